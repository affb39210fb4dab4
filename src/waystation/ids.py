"""Random identifiers for rows that concern people.

Sequential ids leak how many cases exist and when each was opened, and let anyone who
sees one guess its neighbours. Every row that concerns a person gets a random id.
"""

from __future__ import annotations

import base64
import secrets

from django.db import models

RANDOM_ID_LENGTH = 16  # 80 bits in lowercase base32


def random_id() -> str:
    return base64.b32encode(secrets.token_bytes(10)).decode().lower()


def random_id_field() -> models.CharField[str, str]:
    """The primary key of a row that concerns a person: random, set before the first
    save (sealed fields bind their ciphertext to it)."""
    return models.CharField(
        primary_key=True, max_length=RANDOM_ID_LENGTH, default=random_id, editable=False
    )
