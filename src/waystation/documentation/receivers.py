"""How the record joins a moment that cases own (see ``waystation.cases.signals``)."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from waystation.cases.models import Case
from waystation.cases.signals import erasing_case_indexes
from waystation.documentation.services import record_files


@receiver(erasing_case_indexes, sender=Case, dispatch_uid="documentation.forget_case")
def forget_case(sender: Any, case: Case, **kwargs: Any) -> None:
    record_files.forget_case(case=case)
