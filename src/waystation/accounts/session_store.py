"""Django's database session store, keyed so that a copy of the database opens no session.

The cookie carries Django's random session key as before; the session table's primary
key is :func:`waystation.vault.session_ids.stored_session_id` of it, a keyed digest
under a key that exists only while the vault is unsealed. Anyone who reads the table
gets digests, and a digest sent as the cookie is digested again and finds nothing.

The session's data stays as Django writes it (user id, authentication backend, the
password-derived ``_auth_user_hash``, the second factor's device id, the generation and
idle clock of ``accounts/sessions.py``). None of it signs anyone in without the cookie.

While the vault is sealed no stored id can be computed. A session then does not
resolve (the request is anonymous and gets the sealed page like everyone else), its
cookie is kept, and nothing is written: the session carries on after unsealing if the
idle timeout has not ended it by then.

Every method of Django's store that names a row by its key is overridden here, the
asynchronous ones too (by running the synchronous one), so no path stores or looks up a
raw cookie value. ``tests/accounts/test_session_store.py`` checks that none is missed.
"""

from __future__ import annotations

from typing import Any

from asgiref.sync import sync_to_async
from django.contrib.sessions.backends import db
from django.contrib.sessions.backends.base import VALID_KEY_CHARS
from django.contrib.sessions.base_session import AbstractBaseSession
from django.utils import timezone
from django.utils.crypto import get_random_string

from waystation.vault.keyservice import VaultSealed
from waystation.vault.session_ids import stored_session_id


class SessionStore(db.SessionStore):
    def __init__(self, session_key: str | None = None) -> None:
        super().__init__(session_key)
        # The key of a session read while sealed: its data was never loaded, so writing
        # the (empty) data held here would wipe the stored session. A new key (sign-in,
        # sign-out) starts a new session, which may be written.
        self._unread_key: str | None = None

    def _get_session_from_db(self) -> AbstractBaseSession | None:
        if self.session_key is None:
            return None
        try:
            stored_id = stored_session_id(self.session_key)
        except VaultSealed:
            # Keep the key: an empty session without one would make Django delete the
            # cookie, and the person could not carry on after unsealing.
            self._unread_key = self.session_key
            return None
        try:
            session: AbstractBaseSession = self.model.objects.get(
                session_key=stored_id, expire_date__gt=timezone.now()
            )
        except self.model.DoesNotExist:
            self._session_key = None
            return None
        return session

    def exists(self, session_key: str) -> bool:
        return bool(self.model.objects.filter(session_key=stored_session_id(session_key)).exists())

    def create_model_instance(self, data: dict[str, Any]) -> AbstractBaseSession:
        cookie_key: str = self._get_or_create_session_key()  # type: ignore[attr-defined]
        instance: AbstractBaseSession = self.model(
            session_key=stored_session_id(cookie_key),
            session_data=self.encode(data),
            expire_date=self.get_expiry_date(),
        )
        return instance

    def save(self, must_create: bool = False) -> None:
        if self._unread_key is not None and self._unread_key == self.session_key:
            return
        try:
            super().save(must_create=must_create)
        except VaultSealed:
            if must_create:
                raise  # create() must not believe a row was written
            # Sealed while this request ran ("seal now"): nothing can be written. A new
            # session gets a key stored nowhere, so its cookie resolves to nothing.
            if self._session_key is None:
                self._session_key = get_random_string(32, VALID_KEY_CHARS)

    def delete(self, session_key: str | None = None) -> None:
        if session_key is None:
            if self.session_key is None:
                return
            session_key = self.session_key
        # Sealed: VaultSealed. Signing out must not look done when the row still exists.
        self.model.objects.filter(session_key=stored_session_id(session_key)).delete()

    # Django's asynchronous paths query by the raw key: route them through the above.

    async def _aget_session_from_db(self) -> AbstractBaseSession | None:
        return await sync_to_async(self._get_session_from_db)()

    async def aload(self) -> dict[str, Any]:
        result: dict[str, Any] = await sync_to_async(self.load)()
        return result

    async def aexists(self, session_key: str) -> bool:
        return await sync_to_async(self.exists)(session_key)

    async def acreate(self) -> None:
        await sync_to_async(self.create)()

    async def acreate_model_instance(self, data: dict[str, Any]) -> AbstractBaseSession:
        return await sync_to_async(self.create_model_instance)(data)

    async def asave(self, must_create: bool = False) -> None:
        await sync_to_async(self.save)(must_create)

    async def adelete(self, session_key: str | None = None) -> None:
        await sync_to_async(self.delete)(session_key)
