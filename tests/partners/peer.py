"""A second Waystation installation, "B", for the Waystation-to-Waystation test: its own
SQLite database, data folder and vault, in a process of its own. Run as

    python -m tests.partners.peer init            -> prints B's age public key
    python -m tests.partners.peer receive FILE    -> imports FILE from partner "A",
                                                     prints what B's triage queue shows
    python -m tests.partners.peer exchange URL TOKEN_FILE
        -> over A's API at URL (with the partner token A issued to B, read from
           TOKEN_FILE, never from the command line): lists B's referrals, takes the
           ready one's package once, imports it into B's triage queue, opens a case
           from it (B accepts), and reports "received" then "accepted" back to A

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


def _call(
    url: str, token: str, method: str = "GET", body: bytes | None = None
) -> tuple[int, dict[str, str], bytes]:
    import urllib.error
    import urllib.request

    headers = {"Authorization": f"Bearer {token}"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    # 127.0.0.1 only, and no proxy: the test's installations talk to nothing else.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=60) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def exchange(base_url: str, token_file: str) -> dict[str, object]:
    import hashlib
    from urllib.parse import urlsplit

    from waystation.accounts.models import StaffUser
    from waystation.cases.services.opening import open_case_from_request
    from waystation.intake import selectors
    from waystation.partners.models import Partner
    from waystation.partners.services import incoming

    assert urlsplit(base_url).hostname == "127.0.0.1"
    token = Path(token_file).read_text().strip()
    api = base_url.rstrip("/") + "/api/v1/partner/"
    status, _, listed = _call(api + "referrals/", token)
    assert status == 200, listed
    ready = [r for r in json.loads(listed)["results"] if r["ready"]]
    assert len(ready) == 1, listed
    referral_id = ready[0]["id"]
    status, headers, package_bytes = _call(api + f"referrals/{referral_id}/package/", token, "POST")
    assert status == 200, package_bytes[:500]
    assert headers["X-Package-SHA256"] == hashlib.sha256(package_bytes).hexdigest()
    second, _, refused = _call(api + f"referrals/{referral_id}/package/", token, "POST")

    partner = Partner.objects.get(name="Installation A")
    request_id = incoming.receive_referral(package_bytes, partner)
    screener = StaffUser.objects.get(username="b-screener")
    row = next(r for r in selectors.triage_queue(user=screener).rows if r.id == request_id)
    case = open_case_from_request(user=screener, request_id=request_id, team_id=None)

    reports = []
    for state, note in (("received", ""), ("accepted", "case opened at B")):
        body = json.dumps({"state": state, "note": note}).encode()
        code, _, answer = _call(api + f"referrals/{referral_id}/state/", token, "POST", body)
        reports.append((code, json.loads(answer).get("state")))
    return {
        "referral_id": referral_id,
        "second_fetch": [second, json.loads(refused)["detail"]],
        "channel": row.channel,
        "referred_by": row.referred_by,
        "excerpt": row.excerpt,
        "case_channel": case.channel,
        "reports": reports,
    }


if __name__ == "__main__":
    _setup()
    command, *args = sys.argv[1:]
    commands = {"init": init, "receive": receive, "exchange": exchange}
    result = commands[command](*args)
    # To the test that started it, over a pipe: ids, states and fingerprints of a scratch
    # installation holding only invented test data, never a sealed value.
    print("RESULT " + json.dumps(result))
