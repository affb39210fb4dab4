"""The words the staff side writes to applicants, in the applicant's language: the
starting texts of a screener's answer and the question that asks for consent.

They are read by applicants, so they belong to the applicants' catalogue, not the
staff one: this module is read by ``make messages``' applicants' pass, while the
screeners' modules around it (``screening``, ``views``, …) are read by the staff pass
(docs/translating.md). Only the staff process calls it.
"""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext

from waystation.intake.models import MessageKind


def template_text(kind: MessageKind, language: str) -> str:
    """The starting text of a reply, in the applicant's language when we have it."""
    texts = {
        MessageKind.REPLY: lambda: gettext(
            "Hello,\n\nThank you for writing to us. We have read your request.\n\n"
        ),
        MessageKind.MORE_INFO: lambda: gettext(
            "Hello,\n\nThank you for writing to us. To understand how we can help, we need "
            "to know more. Please answer these questions in your mailbox:\n\n1. \n2. \n\n"
            "Only answer what is safe for you to write."
        ),
        MessageKind.DECLINE: lambda: gettext(
            "Hello,\n\nThank you for trusting us with your story. We are sorry: we are not "
            "able to help in your situation. This is not a judgement of you or of what you "
            "are going through.\n\nPlease stay safe. If your situation changes, you can "
            "write to us again."
        ),
    }
    with translation.override(language):
        return texts[kind]()


def consent_question(language: str, partner_name: str) -> str:
    """The yes-or-no question put in the mailbox before a referral to a partner."""
    with translation.override(language):
        return gettext("I agree that my file goes to %(partner)s.") % {"partner": partner_name}
