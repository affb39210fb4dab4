"""How cases answers what the apps below it ask (see ``waystation.intake.signals``)."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from waystation.accounts.models import Actor
from waystation.cases.selectors import visibility
from waystation.intake.models import HelpRequest
from waystation.intake.signals import checking_need_to_know


@receiver(checking_need_to_know, sender=HelpRequest, dispatch_uid="cases.need_to_know")
def may_see_the_case(sender: Any, user: Actor, case_id: str, **kwargs: Any) -> bool:
    return visibility.may_see(user, case_id)
