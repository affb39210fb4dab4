"""Session ids at rest: what the session table holds instead of the cookie's value.

Django's database store keys each row by the session cookie's value, so a copy of the
database (a backup, a seized disk, a dump) is a list of live sessions: each row's key,
sent as the cookie, is that person signed in, second factor included. The table stores
``HMAC-SHA256(session-id key, cookie value)`` instead. The session-id key is derived
from the root key like the blind-index key: it is in the memory of the key agent and of
unsealed workers only, never in the database or on disk (outside demo mode, whose root
key file is on disk by design). A stored id is useless as a cookie: it is hashed again.

While the vault is sealed no id can be computed, so no session resolves.
"""

from __future__ import annotations

from waystation.vault import runtime
from waystation.vault.primitives import keyed_digest

STORED_ID_LENGTH = 32  # hex characters of a 128-bit digest; Django's column holds 40


def stored_session_id(session_key: str) -> str:
    """The session table's key for the session whose cookie carries ``session_key``.
    :class:`~waystation.vault.keyring.VaultSealed` while sealed."""
    key = runtime.keyring().require_session_id_key()
    return keyed_digest(key, session_key.encode()).hex()
