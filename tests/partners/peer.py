"""A second Waystation installation, "B", for the Waystation-to-Waystation test: its own
SQLite database, data folder and vault, in a process of its own. Run as

    python -m tests.partners.peer init            -> prints B's age public key
    python -m tests.partners.peer receive FILE    -> imports FILE from partner "A",
                                                     prints what B's triage queue shows

with ``WAYSTATION_DATA_DIR`` and ``DATABASE_URL`` naming B's own folder and database.
The staff of B are invented, made through the real services like everywhere else."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "waystation.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from waystation.vault import runtime
    from waystation.vault.keyservice import KeyService
    from waystation.vault.runtime import InProcessBackend

    call_command("migrate", verbosity=0)
    key_file = Path(settings.DATA_DIR) / "keys" / "peer-demo-root-key"
    service = KeyService(settings.WAYSTATION_KEYSTORE_PATH)
    if not key_file.exists():
        service.initialise_demo(key_file)
    service.unseal_with_demo_key_file(key_file)
    runtime.use_backend(InProcessBackend(service))


def init() -> dict[str, object]:
    from tests.factories import make_staff
    from waystation.accounts.roles import Role
    from waystation.intake.screening import ensure_intake_key
    from waystation.partners.services import identity
    from waystation.partners.services import partners as partner_services

    ensure_intake_key(actor_id=None)
    mine = identity.ensure_installation_identity(actor_id=None)
    manager = make_staff(Role.PROGRAMME_MANAGER, "b-manager")
    make_staff(Role.SCREENER, "b-screener")
    partner_services.add_partner(
        user=manager,
        details=partner_services.PartnerDetails(name="Installation A", kinds=["relocation"]),
    )
    return {"recipient": mine.recipient}


def receive(path: str) -> dict[str, object]:
    from waystation.accounts.models import StaffUser
    from waystation.cases.services.opening import open_case_from_request
    from waystation.intake import selectors
    from waystation.intake.models import HelpRequest
    from waystation.partners.models import Partner
    from waystation.partners.services import incoming

    partner = Partner.objects.get(name="Installation A")
    request_id = incoming.receive_referral(Path(path).read_bytes(), partner)
    screener = StaffUser.objects.get(username="b-screener")
    queue = selectors.triage_queue(user=screener)
    row = next(r for r in queue.rows if r.id == request_id)
    stored = HelpRequest.objects.get(pk=request_id)
    case = open_case_from_request(user=screener, request_id=request_id, team_id=None)
    return {
        "request_id": request_id,
        "in_queue": True,
        "channel": row.channel,
        "referred_by": row.referred_by,
        "stored_channel": stored.channel,
        "excerpt": row.excerpt,
        "case_channel": case.channel,
        "case_phone_index": bool(case.phone_index),
    }


if __name__ == "__main__":
    _setup()
    command, *args = sys.argv[1:]
    result = init() if command == "init" else receive(*args)
    print("RESULT " + json.dumps(result))
