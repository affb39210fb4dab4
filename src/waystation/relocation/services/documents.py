"""Travel documents and visas (to be written)."""

from datetime import datetime


def raise_expiry_alerts(*, now: datetime) -> int:
    return 0
