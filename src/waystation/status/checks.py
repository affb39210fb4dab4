"""The status checks: each one a function that looks at one part of the installation and
returns one :class:`Finding`, in the order of ``CHECKS``.

A finding says ok or not ok, one line for people, and ``facts`` for programs (counts,
ages, moments, entry numbers and hashes). None of it is personal: no name, no request
or case id, no codename, nothing sealed. An administrator, who may not read cases,
sees all of it, and a monitoring system may store it.

Two sources come from the apps that record them, each through one small function: when
the last backup was taken (:func:`last_backup_taken_at`, from ``backups``) and how many
cases are past the end of their retention (:func:`cases_past_retention`, from
``cases``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from waystation.accounts.templatetags.staff_format import local_age
from waystation.audit.verification import chain_head
from waystation.backups.selectors import last_backup
from waystation.cases.selectors.retention import PastRetention, past_retention
from waystation.intake.selectors import unanswered_requests
from waystation.vault.runtime import VaultStatus, is_unsealed, vault_status

logger = logging.getLogger(__name__)

Fact = str | int | bool | None


@dataclass(frozen=True)
class Finding:
    name: str  # stable: the key in `status --json`
    title: str
    ok: bool
    summary: str
    facts: Mapping[str, Fact] = field(default_factory=dict)


@dataclass(frozen=True)
class Report:
    checked_at: datetime
    findings: tuple[Finding, ...]

    @property
    def ok(self) -> bool:
        return all(finding.ok for finding in self.findings)

    def as_json(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "checked_at": self.checked_at.isoformat(),
            "checks": {
                f.name: {"title": f.title, "ok": f.ok, "summary": f.summary, "facts": dict(f.facts)}
                for f in self.findings
            },
        }


class Probe:
    """What one run of the checks shares: the moment, and the key agent's answer (asked
    once, however many checks read it)."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    @cached_property
    def vault(self) -> VaultStatus:
        return vault_status()


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


# --- the sources kept apart -----------------------------------------------------------


def last_backup_taken_at() -> datetime | None:
    """When the newest backup was written here (``waystation backup create`` keeps the
    record, docs/operations.md#backups); None when none was, and the check then says
    "no backup recorded"."""
    newest = last_backup()
    return newest.at if newest is not None else None


def cases_past_retention(now: datetime) -> PastRetention:
    """The cases past the end of their retention clock (docs/casework.md#retention),
    not shredded yet: a count and the oldest end."""
    return past_retention(now)


# --- the checks -----------------------------------------------------------------------


def check_vault(probe: Probe) -> Finding:
    vault = probe.vault
    facts: dict[str, Fact] = {"sealed": vault.sealed, "demo_key": vault.demo}
    if vault.agent is False:
        summary = _("Sealed: no key agent answers, so no worker can get keys.")
    elif vault.sealed:
        summary = _("Sealed: staff pages answer 'Sealed' until trustees unseal.")
    elif vault.demo:
        summary = _("Unsealed with the DEMO key: not for real data.")
    else:
        summary = _("Unsealed.")
    return Finding("vault", _("Vault"), not vault.sealed, summary, facts)


def check_workers(probe: Probe) -> Finding:
    vault = probe.vault
    seal = vault.last_seal
    facts: dict[str, Fact] = {
        "subscribed": vault.subscribed_workers,
        "last_seal_at": _iso(seal.at) if seal else None,
        "last_seal_workers": seal.workers if seal else None,
        "last_seal_confirmed": seal.acknowledged if seal else None,
    }
    title = _("Key agent's workers")
    if vault.agent is None:
        return Finding(
            "workers", title, True, _("No key agent: this process holds the keys itself."), facts
        )
    if vault.agent is False:
        return Finding("workers", title, False, _("No key agent answers."), facts)
    if seal is None:
        at_seal = _("No seal since the key agent started.")
    else:
        at_seal = ngettext(
            "At the last seal (%(at)s UTC), %(confirmed)d of %(workers)d worker confirmed "
            "they dropped their keys.",
            "At the last seal (%(at)s UTC), %(confirmed)d of %(workers)d workers confirmed "
            "they dropped their keys.",
            seal.workers,
        ) % {
            "at": f"{seal.at:%Y-%m-%d %H:%M}",
            "confirmed": seal.acknowledged,
            "workers": seal.workers,
        }
    count = vault.subscribed_workers or 0  # an agent that answers always says
    subscribed = ngettext(
        "%(count)d worker subscribed to the key agent.",
        "%(count)d workers subscribed to the key agent.",
        count,
    ) % {"count": count}
    if vault.sealed and seal is not None and seal.acknowledged < seal.workers:
        # A worker that did not confirm may still hold keys while the vault is sealed.
        return Finding(
            "workers",
            title,
            False,
            f"{at_seal} {_('A worker may still hold keys: restart the staff side.')}",
            facts,
        )
    if not vault.sealed and not vault.subscribed_workers:
        return Finding(
            "workers",
            title,
            False,
            _(
                "Unsealed, but no staff worker is subscribed to the key agent: the staff side "
                "is not running, or cannot reach the agent."
            ),
            facts,
        )
    return Finding("workers", title, True, f"{subscribed} {at_seal}", facts)


def database_answers() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return bool(cursor.fetchone() == (1,))
    except DatabaseError:
        return False


def check_database(probe: Probe) -> Finding:
    if database_answers():
        return Finding("database", _("Database"), True, _("The database answers."))
    return Finding("database", _("Database"), False, _("The database does not answer."))


def check_unanswered_requests(probe: Probe) -> Finding:
    found = unanswered_requests()
    limit = timedelta(hours=settings.WAYSTATION_STATUS_UNANSWERED_HOURS)
    age = probe.now - found.oldest_waiting_since if found.oldest_waiting_since else None
    facts: dict[str, Fact] = {
        "count": found.count,
        "oldest_waiting_since": _iso(found.oldest_waiting_since),
        "oldest_age_minutes": int(age.total_seconds() // 60) if age is not None else None,
        "limit_hours": settings.WAYSTATION_STATUS_UNANSWERED_HOURS,
    }
    title = _("Oldest unanswered request")
    if age is None:
        return Finding("requests", title, True, _("No request is waiting for an answer."), facts)
    summary = ngettext(
        "%(count)d request needs an answer; the longest has waited %(age)s.",
        "%(count)d requests need an answer; the longest has waited %(age)s.",
        found.count,
    ) % {"count": found.count, "age": local_age(age)}
    if age > limit:
        summary += " " + _("That is longer than %(hours)d h.") % {
            "hours": settings.WAYSTATION_STATUS_UNANSWERED_HOURS
        }
    return Finding("requests", title, age <= limit, summary, facts)


def check_last_backup(probe: Probe) -> Finding:
    taken_at = last_backup_taken_at()
    hours = settings.WAYSTATION_STATUS_BACKUP_HOURS
    age = probe.now - taken_at if taken_at is not None else None
    facts: dict[str, Fact] = {
        "taken_at": _iso(taken_at),
        "age_seconds": int(age.total_seconds()) if age is not None else None,
        "limit_hours": hours,
    }
    title = _("Last backup")
    if age is None:
        if settings.DEMO_MODE:
            return Finding(
                "backup", title, True, _("No backup recorded (a demo is not backed up)."), facts
            )
        return Finding("backup", title, False, _("No backup recorded."), facts)
    summary = _("Taken %(age)s ago.") % {"age": local_age(age)}
    if age > timedelta(hours=hours):
        older = _("That is older than %(hours)d h.") % {"hours": hours}
        return Finding("backup", title, False, f"{summary} {older}", facts)
    return Finding("backup", title, True, summary, facts)


def check_shredding(probe: Probe) -> Finding:
    due = cases_past_retention(probe.now)
    title = _("Cases due for shredding")
    facts: dict[str, Fact] = {"due": due.count, "oldest_end": _iso(due.oldest_end)}
    if not due.count or due.oldest_end is None:
        return Finding("shredding", title, True, _("No case is past its retention."), facts)
    # The scheduled run shreds due cases every minute: one still here after the grace
    # period means the run is not happening, and a promise to forget is being broken.
    late = probe.now - due.oldest_end
    grace = timedelta(minutes=settings.WAYSTATION_STATUS_SHRED_GRACE_MINUTES)
    summary = ngettext(
        "%(count)d case past its retention; the oldest ended %(age)s ago.",
        "%(count)d cases past their retention; the oldest ended %(age)s ago.",
        due.count,
    ) % {"count": due.count, "age": local_age(late)}
    if late > grace:
        late_run = _("Is the scheduled run running?")
        return Finding("shredding", title, False, f"{summary} {late_run}", facts)
    next_run = _("The next scheduled run shreds them.")
    return Finding("shredding", title, True, f"{summary} {next_run}", facts)


def check_audit(probe: Probe) -> Finding:
    head = chain_head(
        anchor_lag=timedelta(minutes=settings.WAYSTATION_STATUS_ANCHOR_LAG_MINUTES),
        now=probe.now,
    )
    anchor = head.last_anchor
    facts: dict[str, Fact] = {
        "entries": head.entries,
        "head_hash": head.head_hash,
        "anchor_file": head.anchor_file,
        "last_anchor_entry": anchor.seq if anchor else None,
        "last_anchor_hash": anchor.entry_hash if anchor else None,
        "unanchored_since": _iso(head.unanchored_since),
    }
    summary = ngettext(
        "%(count)d entry, head %(head)s…; ", "%(count)d entries, head %(head)s…; ", head.entries
    ) % {"count": head.entries, "head": head.head_hash[:16]} + (
        _("last anchor at entry #%(seq)d.") % {"seq": anchor.seq}
        if anchor
        else _("nothing anchored yet.")
    )
    if head.problem is not None:
        sentence = head.problem[:1].upper() + head.problem[1:]
        summary += f" {sentence}" if sentence.endswith((".", "?")) else f" {sentence}."
    return Finding("audit", _("Audit chain head"), head.problem is None, summary, facts)


CHECKS: tuple[Callable[[Probe], Finding], ...] = (
    check_vault,
    check_workers,
    check_database,
    check_unanswered_requests,
    check_last_backup,
    check_shredding,
    check_audit,
)


# A check that could not run still reports under its own name and title, by its
# function's name (the name is the stable key of `status --json`).
_FAILED_AS = {
    "vault": ("vault", gettext_lazy("Vault")),
    "workers": ("workers", gettext_lazy("Key agent's workers")),
    "database": ("database", gettext_lazy("Database")),
    "unanswered_requests": ("requests", gettext_lazy("Oldest unanswered request")),
    "last_backup": ("backup", gettext_lazy("Last backup")),
    "shredding": ("shredding", gettext_lazy("Cases due for shredding")),
    "audit": ("audit", gettext_lazy("Audit chain head")),
}


def _failed(check: Callable[[Probe], Finding], exc: Exception) -> Finding:
    # The exception's class only: a database error's text can quote the query's values.
    function = check.__name__.removeprefix("check_")
    logger.error("status check %s could not run: %s", function, type(exc).__name__)
    name, title = _FAILED_AS.get(function, (function, function))
    return Finding(
        name,
        str(title),
        False,
        _("Could not be checked (%(error)s).") % {"error": type(exc).__name__},
    )


def run_checks(now: datetime | None = None) -> Report:
    """Every check, in order. A check that raises is a finding that is not ok: one part
    that cannot be checked does not hide the others."""
    probe = Probe(now or timezone.now())
    findings = []
    for check in CHECKS:
        try:
            findings.append(check(probe))
        except Exception as exc:  # reported as not ok, its class named
            findings.append(_failed(check, exc))
    return Report(probe.now, tuple(findings))


@dataclass(frozen=True)
class Health:
    """All that ``/health`` says: whether this staff worker holds keys, and whether it
    can serve (unsealed, and the database answers)."""

    sealed: bool
    ok: bool


def health() -> Health:
    sealed = not is_unsealed()
    return Health(sealed=sealed, ok=not sealed and database_answers())
