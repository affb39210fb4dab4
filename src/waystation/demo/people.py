"""The demo organisation's invented people. Every name, number and story here is
fictional; none belongs to a real person."""

from __future__ import annotations

from dataclasses import dataclass

from waystation.accounts.roles import Role
from waystation.cases.models import Channel, Urgency

# One staff member per role; usernames say the role so a tester knows whom to sign in as.
DEMO_STAFF: dict[Role, str] = {
    Role.SCREENER: "screener",
    Role.CASEWORKER: "caseworker",
    Role.LOGISTICS: "logistics",
    Role.PROGRAMME_MANAGER: "manager",
    Role.DOCUMENTATION: "documentation",
    Role.ADMINISTRATOR: "admin",
}


@dataclass(frozen=True)
class DemoApplicant:
    full_name: str
    phone: str
    narrative: str
    urgency: Urgency
    channel: Channel
    country: str
    moving: bool = False  # has a relocation plan, legs and payments in the demo


DEMO_APPLICANTS = [
    DemoApplicant(
        full_name="Тимур Вымыслов",
        phone="+7 900 000-00-01",
        narrative="(Demo) Invented story: a colleague threatened to report him; he needs "
        "a safe place within days.",
        urgency=Urgency.DAYS,
        channel=Channel.SIGNAL,
        country="RU",
    ),
    DemoApplicant(
        full_name="Arslan Primerov",
        phone="+7 900 000-00-02",
        narrative="(Demo) Invented story: relatives are searching for him in another city.",
        urgency=Urgency.NOW,
        channel=Channel.PHONE,
        country="RU",
        moving=True,
    ),
    DemoApplicant(
        full_name="Zaur Testoev",
        phone="+995 500 00 00 03",
        narrative="(Demo) Invented story: arrived in a neighbouring country, no documents yet.",
        urgency=Urgency.NOT_IMMEDIATE,
        channel=Channel.EMAIL,
        country="GE",
        moving=True,
    ),
]

# The demo programme's budgets for the current year, in the reporting currency.
DEMO_BUDGETS: dict[str, int] = {
    "domestic_travel": 20_000,
    "visas_departure": 60_000,
    "housing": 40_000,
    "food": 15_000,
    "medical": 10_000,
}


# A second programme manager: changing a partner's key takes two (docs/partners.md).
DEMO_SECOND_MANAGER = "manager2"


@dataclass(frozen=True)
class DemoPartner:
    name: str
    country: str
    kinds: tuple[str, ...]
    contacts: str
    key_file: str  # the partner's private age identity, written to the data folder


# Invented organisations. Their private keys are in the demo data folder so that a
# tester can open the packages sent to them with `age -d -i`.
DEMO_PARTNERS = [
    DemoPartner(
        name="Rainbow Haven Shelter (demo)",
        country="DE",
        kinds=("shelter", "resettlement"),
        contacts="Intake desk: Ilse Demofrau, +49 30 0000 0001 (Signal)",
        key_file="rainbow-haven.agekey",
    ),
    DemoPartner(
        name="Northern Crossing Legal Aid (demo)",
        country="NL",
        kinds=("legal_aid", "unhcr_liaison"),
        contacts="Case lawyer: Joost Voorbeeld, legal@example.org",
        key_file="northern-crossing.agekey",
    ),
    DemoPartner(
        name="Harbour Light Clinic (demo)",
        country="SE",
        kinds=("medical",),
        contacts="Nurse on call: Karin Exempel, +46 8 000 000 02",
        key_file="harbour-light.agekey",
    ),
]
