"""What an installation holds, opened: every case's sealed fields, its files' digests,
its relocation legs and documents, and the web requests' ids. Run in the test process
before a backup, and as ``python -m tests.backups.contents SHARES`` in the restored
installation after unsealing it with the trustees' shares, to compare the two."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any


def contents() -> dict[str, Any]:
    from waystation.cases.models import Case, CaseDocument
    from waystation.intake.models import HelpRequest
    from waystation.relocation.models import Leg, TravelDocument
    from waystation.vault.models import DataKey

    shredded = set(DataKey.objects.filter(wrapped__isnull=True).values_list("pk", flat=True))
    cases: dict[str, Any] = {}
    for case in Case.objects.order_by("pk"):
        if case.data_key_id in shredded:
            cases[case.pk] = "shredded"
            continue
        cases[case.pk] = {
            "full_name": case.full_name,
            "phone": case.phone,
            "narrative": case.narrative,
            "contacts": case.contacts,
            "documents": sorted(
                hashlib.sha256(d.file.name.encode() + d.file.data).hexdigest()
                for d in CaseDocument.objects.filter(case=case)
            ),
            "legs": sorted([leg.origin, leg.escort] for leg in Leg.objects.filter(case=case)),
            "travel_documents": sorted(d.number for d in TravelDocument.objects.filter(case=case)),
        }
    return {
        "cases": cases,
        "requests": sorted(HelpRequest.objects.values_list("pk", flat=True)),
    }


def main() -> None:
    import django

    django.setup()
    from django.conf import settings

    from waystation.vault import runtime
    from waystation.vault.keyservice import KeyService

    service = KeyService(Path(settings.WAYSTATION_KEYSTORE_PATH))
    service.unseal_with_shares(Path(sys.argv[1]).read_text().splitlines())
    runtime.use_backend(runtime.InProcessBackend(service))
    # Test-only: the invented contents of a scratch installation, printed to the pipe the
    # restore test reads and compares; never a log.
    print(json.dumps(contents(), sort_keys=True))


if __name__ == "__main__":
    main()
