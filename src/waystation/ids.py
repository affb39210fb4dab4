"""Random identifiers for rows that concern people.

Sequential ids leak how many cases exist and when each was opened, and let anyone who
sees one guess its neighbours. Every row that concerns a person gets a random id.
"""

from __future__ import annotations

import base64
import secrets

RANDOM_ID_LENGTH = 16  # 80 bits in lowercase base32


def random_id() -> str:
    return base64.b32encode(secrets.token_bytes(10)).decode().lower()
