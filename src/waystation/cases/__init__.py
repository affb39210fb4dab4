"""Casework: the queue, one page per case, the journey as a state machine
(``workflow``), need to know, verification, daily work, check-ins and alerts, shredding.
``services/`` and ``selectors/`` hold one module per topic.

Layer: above intake (a case is opened from a web request), below relocation and the
apps that will hang on a case (documentation, dossiers).

Face (what other apps may import; ``tests/test_architecture.py`` holds them to it):

- ``selectors.visibility``: who may see a case, both ways (``visible_cases``,
  ``visible_case``, ``CaseNotFound``, ``case_viewers``/``viewers_of``, ``approvers_of``).
  Another app asks these, never ``Assignment``, ``AccessGrant`` or ``Team``.
- ``services.alerts``: ``raise_alert``, ``alert_each``, ``resolve_alerts`` (never the
  ``Alert`` rows) and ``check_overdue``; ``signals`` to hang an app's deadlines and
  indexes on cases' moments.
- the actions other apps take on a case: ``services.stages``, ``check_ins``,
  ``daily_work``, ``opening``, ``access``, with ``services.common.CaseError`` (and
  ``CaseNotPermitted``, the refusal for who is asking rather than what);
  ``workflow`` to ask whether a move exists or needs a second person.
- ``models``: the ``Case`` row (what other apps' rows point at), its stage history and
  staff check-ins, and the choices they are read with.
- ``selectors.matches.MATCHES_SHOWN_MAX``, so other apps' matches show as many cases.
- the reads the pages make, for the API to make the same ones (``api``): the lists
  (``selectors.lists``: the queue), one case opened under its audit entry
  (``selectors.case_file.open_case``) and what waits for one person
  (``selectors.alerts.my_alerts``); ``services.alerts.resolve_alert`` to acknowledge.
- ``selectors.timeline.TimelineEntry``, what a receiver of ``signals.collecting_timeline``
  returns, and ``services.documents.case_files``, a case's files opened for an app that
  sends some of them on (partners' referrals).
- ``services.shredding.shred_case``, for a restore to shred again what the shred
  ledger lists (``backups``).
- ``selectors.retention.past_retention``: how many cases wait past their retention, and
  since when, without naming them (``status``).
- ``selectors.waiting.cases_waiting``: how much casework waits for one person, as
  counts over the cases they may see (the home page, ``home``).
"""

FACE = {
    "models": [
        "AlertKind",
        "Case",
        "CaseCheckIn",
        "Channel",
        "NoteKind",
        "Outcome",
        "Stage",
        "StageChange",
        "Urgency",
    ],
    "selectors.alerts": ["ShownAlert", "WaitingDecision", "my_alerts"],
    "selectors.case_file": ["CaseFile", "ShownTask", "open_case"],
    "selectors.lists": ["CasePage", "QueueRow", "case_queue", "my_cases"],
    "selectors.matches": ["MATCHES_SHOWN_MAX"],
    "selectors.retention": ["PastRetention", "past_retention"],
    "selectors.timeline": ["TimelineEntry"],
    "selectors.waiting": ["CasesWaiting", "cases_waiting"],
    "selectors.visibility": "*",
    "services.access": "*",
    "services.alerts": [
        "alert_each",
        "check_overdue",
        "raise_alert",
        "resolve_alert",
        "resolve_alerts",
    ],
    "services.check_ins": "*",
    "services.common": ["CaseError", "CaseNotPermitted"],
    "services.daily_work": "*",
    "services.documents": ["OpenedDocument", "case_files"],
    "services.shredding": ["shred_case"],
    "services.opening": "*",
    "services.stages": "*",
    "signals": "*",
    "workflow": "*",
}
