"""Requests for help from the web, both sides of them. The public side
(``public_services``, ``public_views``: run by the public process, which holds no
secret) takes requests, mailbox messages and check-ins, sealed to the intake key. The
staff side (``screening``, ``selectors``, ``views``, ``staff_forms``) triages them:
opens, answers, declines; what it writes to applicants in their language is in
``replies`` (the applicants' catalogue's, see docs/translating.md).

Layer: above accounts and web, below cases. A request that became a case is behind the
case's need to know; intake asks the cases app through ``signals`` and never imports it.

Face (what other apps may import; ``tests/test_architecture.py`` holds them to it):
``screening`` (opening a request into a case, the case's web mailbox, erasing a request
with its shredded case, a partner's referral into the queue, a consent question in the
mailbox), ``retention`` (erasing the requests that never became cases once their
clock ends, run by the cases app's retention run), ``signals`` (the need-to-know
question the cases app answers),
and the operational columns of ``models``' ``HelpRequest``, ``CheckIn`` and
``MailboxMessage`` (when, what kind, which case; never their sealed fields);
``selectors.unanswered_requests`` (how many requests need an answer, and since when:
a count and a time, for the installation's status); ``public_role.apply`` (the public
role's grants, insert-rule functions and triggers, made again from the code by a
PostgreSQL restore, which never takes them from the backup file).
"""

FACE = {
    "conf": ["limits"],
    "forms": ["PREFERRED_LANGUAGES"],
    "models": [
        "Channel",
        "CheckIn",
        "CheckInKind",
        "Direction",
        "HelpRequest",
        "MailboxMessage",
    ],
    "public_role": ["apply"],
    "retention": ["erase_expired_requests"],
    "screening": "*",
    "selectors": ["Unanswered", "unanswered_requests"],
    "signals": "*",
    "uploads": ["CleanFile", "UploadRefused", "clean_upload"],
}
