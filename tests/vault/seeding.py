"""Helpers for the vault's tests: cases seeded with marker strings, a fresh keyring."""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass, field
from pathlib import Path

from anyascii import anyascii

from waystation.cases.models import Case, CaseDocument, Channel, Urgency
from waystation.cases.services.documents import attach_document
from waystation.cases.services.opening import ManualIntake, open_case_manually
from waystation.vault import normalisers
from waystation.vault.keyservice import KeyService

CYRILLIC = "абвгдежзиклмнопрстуфхцчшщэюя"


def _latin(n: int = 6) -> str:
    return "".join(secrets.choice(string.ascii_lowercase) for _ in range(n))


def _cyrillic(n: int = 6) -> str:
    return "".join(secrets.choice(CYRILLIC) for _ in range(n))


@dataclass
class Markers:
    """Strings that exist nowhere else: finding one, in any form, means a leak."""

    token: str = field(default_factory=_latin)
    cyr: str = field(default_factory=_cyrillic)
    digits: str = field(
        default_factory=lambda: "".join(secrets.choice("0123456789") for _ in range(7))
    )

    @property
    def latin_name(self) -> str:
        return f"Zaurbek{self.token} Qarayev{self.token}"

    @property
    def cyrillic_name(self) -> str:
        return f"Заурбек{self.cyr} Караев{self.cyr}"

    @property
    def phone_typed(self) -> str:
        d = self.digits
        return f"+7 (912) {d[:3]}-{d[3:5]}-{d[5:]}"

    @property
    def phone_e164(self) -> str:
        return f"+7912{self.digits}"

    @property
    def story(self) -> str:
        return f"Detained in Argun{self.token}; beaten at the checkpoint {self.token}"

    @property
    def story_cyrillic(self) -> str:
        return f"Задержан в Аргуне{self.cyr}, избит на блокпосту"

    @property
    def file_name(self) -> str:
        return f"паспорт_{self.cyr}_{self.token}.pdf"

    @property
    def file_contents(self) -> bytes:
        return f"%PDF-1.4 passport of Zaurbek{self.token} Заурбек{self.cyr}".encode()

    @property
    def email(self) -> str:
        return f"zaurbek.{self.token}@mail.example"

    @property
    def handle(self) -> str:
        return f"@zaur_{self.token}"

    @property
    def city(self) -> str:
        return f"Грозный-{self.cyr}"

    def all(self) -> list[str]:
        """Every marker and the forms a normaliser could make of it."""
        texts = [
            self.latin_name,
            self.cyrillic_name,
            anyascii(self.cyrillic_name),
            self.phone_typed,
            self.phone_e164,
            self.phone_e164.lstrip("+"),  # digits only
            f"912{self.digits}",  # national number
            self.story,
            self.story_cyrillic,
            self.file_name,
            self.file_contents.decode(),
            self.email,
            self.handle,
            self.city,
            f"Argun{self.token}",
            f"Аргуне{self.cyr}",
        ]
        texts += normalisers.name_tokens(self.latin_name)
        texts += normalisers.name_tokens(self.cyrillic_name)
        return texts


def seed_case(markers: Markers | None = None) -> tuple[Case, CaseDocument, Markers]:
    """A case opened and given a document through the services, every personal field
    holding a marker."""
    markers = markers or Markers()
    case = open_case_manually(
        actor_id=None,
        intake=ManualIntake(
            full_name=f"{markers.latin_name} / {markers.cyrillic_name}",
            phone=markers.phone_typed,
            narrative=f"{markers.story}\n{markers.story_cyrillic}",
            urgency=Urgency.NOW,
            channel=Channel.SIGNAL,
            country="ru",
        ),
    )
    case.contacts = {"email": markers.email, "telegram": markers.handle, "city": markers.city}
    case.save()
    document = attach_document(
        actor_id=None,
        case=case,
        name=markers.file_name,
        content_type="application/pdf",
        data=markers.file_contents,
    )
    return case, document, markers


def open_case(
    full_name: str = "Test Person", phone: str = "+7 999 000 00 01", narrative: str = "story"
) -> Case:
    return open_case_manually(
        actor_id=None,
        intake=ManualIntake(
            full_name=full_name,
            phone=phone,
            narrative=narrative,
            urgency=Urgency.DAYS,
            channel=Channel.PHONE,
        ),
    )


def demo_key_file(tmp_path: Path) -> Path:
    """Where tests/conftest.py's ``vault`` fixture keeps its root key."""
    return tmp_path / "keys" / "test-root-key"


def reopen_vault(vault: KeyService, tmp_path: Path) -> None:
    """Seal and unseal again: a fresh keyring, with no data key cached from before."""
    vault.seal()
    vault.unseal_with_demo_key_file(demo_key_file(tmp_path))
