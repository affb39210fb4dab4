"""Relocation plans and travel legs (to be written)."""

from datetime import datetime


def raise_leg_alerts(*, now: datetime) -> int:
    return 0
