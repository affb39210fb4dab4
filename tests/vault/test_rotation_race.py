"""A worker whose copy of the keys is older than a rotation that has just committed.

On a multi-process server each worker holds its own copy of the keys and hears of a new
KEK by an event from the key agent, which can arrive after the rotation has committed and
erased the old KEK. A data key the worker creates in that window must not be wrapped under
the erased KEK: it would open for nobody, and the case with it.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction

from waystation.vault import datakeys, runtime
from waystation.vault.keyring import Keyring, VaultSealed
from waystation.vault.keyservice import KeyService
from waystation.vault.models import KekEpoch
from waystation.vault.runtime import InProcessBackend

pytestmark = pytest.mark.django_db(transaction=True)


class WorkerWithItsOwnKeys(InProcessBackend):
    """A worker's view: its own copy of the keys until told to fetch them again."""

    def __init__(self, service: KeyService, copy: Keyring) -> None:
        super().__init__(service)
        self.copy: Keyring | None = copy

    def keyring(self) -> Keyring | None:
        return self.copy if self.copy is not None else super().keyring()

    def forget_keys(self) -> None:
        self.copy = None


def test_a_data_key_made_with_stale_keys_after_a_rotation_still_opens(vault):
    workers_copy = Keyring.from_wire(runtime.keyring().to_wire())
    new_version, retired = datakeys.rotate_keks()
    assert retired == [workers_copy.current_kek]  # the old KEK is gone from the key store
    assert KekEpoch.objects.get(pk=1).current_kek == new_version

    runtime.use_backend(WorkerWithItsOwnKeys(vault, workers_copy))
    data_key = datakeys.create_data_key()

    assert data_key.kek_version == new_version
    runtime.use_backend(InProcessBackend(vault))  # a fresh worker, nothing cached
    assert datakeys.sealer_for(data_key.id) is not None


def test_a_worker_that_cannot_get_the_new_keys_creates_nothing(vault):
    workers_copy = Keyring.from_wire(runtime.keyring().to_wire())
    datakeys.rotate_keks()

    class AgentStillBehind(WorkerWithItsOwnKeys):
        def forget_keys(self) -> None:
            pass  # the fetch brings the same old keys back

    runtime.use_backend(AgentStillBehind(vault, workers_copy))
    with pytest.raises(VaultSealed):
        datakeys.create_data_key()


def test_a_rotation_waits_for_a_worker_creating_a_data_key_and_rewraps_it(vault):
    """Real concurrency on the real database: a worker's transaction is open, its data key
    inserted but not committed, when a rotation starts. The rotation must wait (not
    deadlock), then rewrap the worker's key, which must open afterwards."""
    inserted = threading.Event()
    release = threading.Event()
    made: list[str] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            with transaction.atomic():
                made.append(datakeys.create_data_key().id)
                inserted.set()
                release.wait(10)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    def rotation() -> None:
        try:
            datakeys.rotate_keks()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    worker_thread = threading.Thread(target=worker)
    worker_thread.start()
    assert inserted.wait(10)
    rotation_thread = threading.Thread(target=rotation)
    rotation_thread.start()
    time.sleep(0.5)
    assert rotation_thread.is_alive()  # waiting for the worker's transaction
    release.set()
    worker_thread.join(20)
    rotation_thread.join(20)

    assert not errors, errors
    runtime.use_backend(InProcessBackend(vault))
    assert datakeys.sealer_for(made[0]) is not None
    assert KekEpoch.objects.get(pk=1).current_kek == runtime.keyring().current_kek
