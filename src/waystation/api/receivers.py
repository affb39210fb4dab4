"""How the API joins the moments the apps below it own."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from waystation.api.services import tokens
from waystation.vault.signals import sealed_now


@receiver(sealed_now, dispatch_uid="api.end_tokens_on_seal")
def end_tokens_on_seal(sender: Any, actor_id: int | None, **kwargs: Any) -> None:
    tokens.end_every_token_for_seal(actor_id=actor_id)
