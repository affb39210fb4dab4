"""The staff side of the kill -9 test, run as its own process on the scratch database:

    python -m tests.intake.crash_helper setup
    python -m tests.intake.crash_helper verify RECEIPTS.json

``setup`` migrates, makes a demo vault and the intake key. ``verify`` reads what the
clients were told "received", checks each one is stored intact, checks that everything
stored opens (no row without its file) and that staff see every request, then sweeps
orphaned files and checks that exactly the files rows name are left. It prints a JSON
report on its last line.

The environment names the database (``DATABASE_URL``) and the data folder
(``WAYSTATION_DATA_DIR``: key store, demo key, sealed files).
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import django

KEY_FILE_NAME = "crash-test-root-key"


def _unsealed(create: bool) -> None:
    from django.conf import settings

    from waystation.vault import runtime
    from waystation.vault.keyservice import KeyService
    from waystation.vault.runtime import InProcessBackend

    service = KeyService(settings.WAYSTATION_KEYSTORE_PATH)
    key_file = Path(settings.DATA_DIR) / "keys" / KEY_FILE_NAME
    if create:
        service.initialise_demo(key_file)
    service.unseal_with_demo_key_file(key_file)
    runtime.use_backend(InProcessBackend(service))


class Screener:
    pk = 1

    def has_perm(self, perm: str) -> bool:
        return perm == "intake.screen_request"


def setup() -> dict[str, object]:
    from django.core.management import call_command

    from waystation.intake import screening

    call_command("migrate", verbosity=0, interactive=False)
    _unsealed(create=True)
    key = screening.ensure_intake_key(actor_id=None)
    return {"intake_key": key.id}


def _files_on_disk() -> list[Path]:
    from waystation.intake import storage

    root = storage.root()
    return sorted(p for p in root.glob("*/*") if p.is_file()) if root.exists() else []


def verify(receipts_path: str) -> dict[str, object]:
    from django.core.management import call_command
    from PIL import Image

    from waystation.intake import codenames, conf, rebuild, screening, selectors, storage, uploads
    from waystation.intake.models import Attachment, HelpRequest
    from waystation.vault import boxes

    _unsealed(create=False)
    receipts = json.loads(Path(receipts_path).read_text())
    problems: list[str] = []
    keys: dict[str, bytes] = {}

    def private(key_id: str) -> bytes:
        if key_id not in keys:
            keys[key_id] = screening.intake_private_key(key_id)
        return keys[key_id]

    def open_attachment(attachment: Attachment) -> bytes | None:
        try:
            _, _, data = storage.open_file(
                private_key=private(attachment.intake_key_id),
                attachment_id=attachment.id,
                storage_name=attachment.storage_name,
            )
        except Exception as exc:  # every failure is a finding
            problems.append(f"attachment {attachment.id}: {type(exc).__name__}")
            return None
        return data

    # 1. Every request the clients were told "received" is there, intact.
    by_lookup = {
        lookup: (request_id, key_id, bytes(box))
        for request_id, lookup, key_id, box in HelpRequest.objects.values_list(
            "id", "codename_lookup", "intake_key_id", "payload_box"
        )
    }
    files_by_request: dict[str, list[Attachment]] = {}
    for attachment in Attachment.objects.all():
        files_by_request.setdefault(attachment.request_id, []).append(attachment)
    for receipt in receipts:
        lookup = boxes.codename_lookup(codenames.normalise(receipt["codename"]))
        if lookup not in by_lookup:
            problems.append(f"lost: a request answered 'received' ({receipt['story'][:24]})")
            continue
        request_id, key_id, box = by_lookup[lookup]
        payload = screening.open_payload(
            private_key=private(key_id), request_id=request_id, box=box
        )
        if payload.get("story") != receipt["story"]:
            problems.append(f"request {request_id}: story differs")
        attachments = files_by_request.get(request_id, [])
        if receipt["image"] is None:
            if attachments:
                problems.append(f"request {request_id}: files it was not sent")
            continue
        if len(attachments) != 1:
            problems.append(f"request {request_id}: {len(attachments)} files, expected 1")
            continue
        data = open_attachment(attachments[0])
        if data is None:
            continue
        sent = bytes.fromhex(receipt["image"])
        # The rebuild the server's child process ran, run here in-process: the same
        # function on the same bytes (a child per photo would only make this slower).
        limits = uploads.rebuild_limits(conf.limits())
        expected = rebuild.rebuild_image(sent, "JPEG", limits)
        if data != expected:
            problems.append(f"request {request_id}: the photo differs from what was sent")
        if Image.open(io.BytesIO(data)).getexif():
            problems.append(f"request {request_id}: the photo kept EXIF")

    # 2. Everything stored opens: no row without its file, no torn ciphertext.
    for request_id, (_, key_id, box) in {v[0]: v for v in by_lookup.values()}.items():
        try:
            screening.open_payload(private_key=private(key_id), request_id=request_id, box=box)
        except Exception as exc:
            problems.append(f"request {request_id}: payload {type(exc).__name__}")
    for attachments in files_by_request.values():
        for attachment in attachments:
            open_attachment(attachment)

    # 3. Staff see every stored request, and nothing else.
    queue = selectors.triage_queue(user=Screener(), limit=10**9)
    if {row.id for row in queue.rows} != {v[0] for v in by_lookup.values()}:
        problems.append("the staff queue does not list exactly the stored requests")

    # 4. Orphans (files no row names, unfinished .part files) are swept, and only they.
    named = set(Attachment.objects.values_list("storage_name", flat=True))
    before = _files_on_disk()
    orphans = [p for p in before if p.name not in named]
    parts = [p for p in orphans if p.name.endswith(".part")]
    call_command("intake", "sweep", "--older-than", "0", stdout=io.StringIO())
    after = {p.name for p in _files_on_disk()}
    if after != named:
        problems.append(
            f"after the sweep: {len(after - named)} unnamed files, {len(named - after)} missing"
        )
    return {
        "receipts": len(receipts),
        "stored_requests": len(by_lookup),
        "stored_files": len(named),
        "orphans_swept": len(orphans),
        "part_files_swept": len(parts),
        "problems": problems[:50],
        "problem_count": len(problems),
    }


def main() -> None:
    django.setup()
    command = sys.argv[1]
    report = setup() if command == "setup" else verify(sys.argv[2])
    print(json.dumps(report))


if __name__ == "__main__":
    main()
