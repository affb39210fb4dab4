"""Referrals out: from a case to a partner, as an age-encrypted package of the parts
staff chose (docs/referrals.md).

The rules, each checked here and nowhere else (the views only call):

- Nothing goes by default: a caseworker picks the partner, the purpose and each part.
  Only the chosen parts are stored with the referral, sealed under the case's key.
- The person's consent is recorded first: typed by staff from a call (who, when, how),
  or a "yes" in the web mailbox (``intake.screening.ask_consent``).
- A programme manager other than the creator approves, for the partner's keys of that
  moment (``approved_key_version``). A key change since then refuses the sending.
- The package is offered once: building it moves the referral to *sent*, in the same
  transaction, and a second download is refused. What was sent stays sealed under the
  case's key (``sent_copy``), with the SHA-256 of the package.
- After sending, staff type in what the partner tells them (``record_partner_update``);
  each move is a ``ReferralEvent`` on the case's timeline.

Every refusal happens before anything is built or written, inside one transaction.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from waystation.accounts.models import Actor
from waystation.cases.models import Case
from waystation.cases.services.documents import case_files
from waystation.intake import screening
from waystation.partners import workflow
from waystation.partners.models import (
    ConsentKind,
    Part,
    Partner,
    Referral,
    ReferralEvent,
    ReferralState,
)
from waystation.partners.services import package
from waystation.partners.services.common import (
    APPROVE_REFERRAL,
    MAKE_REFERRAL,
    PartnerError,
    case_for,
    clean_text,
    record,
    require,
)
from waystation.partners.services.identity import installation_recipient
from waystation.partners.services.partners import active_keys, partner_for
from waystation.vault import age
from waystation.vault.fields import SealedFileContent

CONTACT_CHANNELS = ("phone", "signal", "whatsapp", "telegram", "email", "other")
MAX_PART = 10_000


class ReferralNotFound(Http404):
    """No such referral on this case: the same answer as a case one may not see."""


@dataclass(frozen=True)
class ReferralDraft:
    """What a caseworker chooses. Only the parts named in ``parts`` are kept; text typed
    in a part not chosen is dropped, never stored."""

    partner_id: str
    purpose: str
    parts: Collection[str]
    summary: str = ""
    contact_channel: str = ""
    contact_handle: str = ""
    documents: str = ""
    relocation_needs: str = ""
    file_ids: Sequence[str] = field(default_factory=tuple)

    def __repr__(self) -> str:  # never print a person into a log or a traceback
        return f"<ReferralDraft {sorted(self.parts)}>"


@dataclass(frozen=True)
class SentPackage:
    filename: str
    data: bytes
    sha256: str

    def __repr__(self) -> str:
        return f"<SentPackage {self.sha256[:12]} {len(self.data)} bytes>"


def referral_of(case: Case, referral_id: str, *, lock: bool = True) -> Referral:
    if not isinstance(referral_id, str) or len(referral_id) > 32:
        raise ReferralNotFound(_("No such referral."))
    # Lock the referral row only (not the partner joined in): a key change locks the
    # partner, then the referrals; whoever needs both takes them in that order too.
    queryset = Referral.objects.select_for_update(of=("self",)) if lock else Referral.objects.all()
    found = queryset.filter(pk=referral_id, case=case).select_related("partner").first()
    if found is None:
        raise ReferralNotFound(_("No such referral."))
    return found


def _event(
    referral: Referral,
    from_state: str,
    actor_id: int | None,
    note: str = "",
    *,
    by_partner: bool = False,
) -> None:
    event = ReferralEvent(
        by_partner=by_partner,
        referral=referral,
        case_id=referral.case_id,
        data_key_id=referral.data_key_id,
        from_state=from_state,
        to_state=referral.state,
        at=timezone.now(),
        actor_id=actor_id,
    )
    event.note = note
    event.save(force_insert=True)


def _move(
    referral: Referral,
    to_state: ReferralState,
    actor_id: int | None,
    note: str = "",
    *,
    partner_id: str = "",
) -> None:
    if not workflow.allowed(referral.state, to_state):
        raise PartnerError(
            _("A referral that is %(now)s cannot become %(next)s.")
            % {
                "now": str(ReferralState(referral.state).label).lower(),
                "next": str(to_state.label).lower(),
            }
        )
    before = referral.state
    referral.state = to_state
    referral.save()
    _event(referral, before, actor_id, note, by_partner=bool(partner_id))
    record(actor_id, f"referral.{to_state}", "referral", referral.id, partner_id=partner_id)


def _content(draft: ReferralDraft, case: Case) -> tuple[list[str], dict[str, object]]:
    parts = [p for p in Part.values if p in set(draft.parts)]
    if set(draft.parts) - set(Part.values):
        raise PartnerError(_("Choose the parts from the list."))
    if not parts:
        raise PartnerError(_("Choose at least one part to send: nothing is included by default."))
    content: dict[str, object] = {}
    for name, value, label in (
        (Part.SUMMARY, draft.summary, _("The summary")),
        (Part.DOCUMENTS, draft.documents, _("The documents held")),
        (Part.RELOCATION_NEEDS, draft.relocation_needs, _("The relocation needs")),
    ):
        if name in parts:
            content[name] = clean_text(value, label=label, required=True, limit=MAX_PART)
    if Part.CONTACT_ROUTE in parts:
        if draft.contact_channel not in CONTACT_CHANNELS:
            raise PartnerError(_("Choose how the partner may contact the person."))
        content[Part.CONTACT_ROUTE] = {
            "channel": draft.contact_channel,
            "handle": clean_text(
                draft.contact_handle, label=_("The contact handle"), required=True, limit=200
            ),
        }
    if Part.FILES in parts:
        wanted = list(dict.fromkeys(draft.file_ids))
        if not wanted:
            raise PartnerError(_("Choose the files to send, or leave out the files part."))
        if len(wanted) > package.MAX_FILES:
            raise PartnerError(
                _("At most %(count)s files go in one referral.") % {"count": package.MAX_FILES}
            )
        found = {f.id for f in case_files(case=case, ids=wanted)}
        if found != set(wanted):
            raise PartnerError(_("A chosen file is not one of this case's files."))
        content["file_ids"] = wanted
    return parts, content


@transaction.atomic
def create_referral(*, user: Actor, case_id: str, draft: ReferralDraft) -> Referral:
    """A draft referral of the chosen parts; sealed under the case's key."""
    case = case_for(user, case_id)
    require(user, MAKE_REFERRAL, _("Your role does not allow referring a case to a partner."))
    partner = partner_for(draft.partner_id)
    _require_active(partner)
    purpose = clean_text(draft.purpose, label=_("The purpose"), required=True, limit=2_000)
    parts, content = _content(draft, case)
    referral = Referral(
        case=case,
        data_key_id=case.data_key_id,
        partner=partner,
        parts=parts,
        created_by_id=user.pk,
    )
    referral.purpose = purpose
    referral.content = content
    referral.save(force_insert=True)
    _event(referral, "", user.pk)
    record(user, "referral.created", "referral", referral.id)
    return referral


def _open_for_work(user: Actor, case_id: str, referral_id: str) -> tuple[Case, Referral]:
    case = case_for(user, case_id)
    require(user, MAKE_REFERRAL, _("Your role does not allow working on referrals."))
    return case, referral_of(case, referral_id)


@transaction.atomic
def record_consent(
    *, user: Actor, case_id: str, referral_id: str, given_by: str, given_at: datetime, how: str
) -> Referral:
    """Consent the person gave staff (a call, a meeting): who gave it, when, and how."""
    _case, referral = _open_for_work(user, case_id, referral_id)
    if referral.state not in workflow.PENDING:
        raise PartnerError(_("Consent is recorded before a referral is sent."))
    if referral.state == ReferralState.APPROVED:
        # The approval was given for the consent then recorded: a new one would keep it.
        raise PartnerError(
            _(
                "This referral is approved: its consent is not changed now. Cancel it and make "
                "a new referral if the consent was wrong."
            )
        )
    if _mailbox_said_no(referral):
        raise PartnerError(
            _(
                "The person said no in their web mailbox: consent typed by staff does not "
                "replace their answer, and this referral cannot go ahead."
            )
        )
    given_by = clean_text(given_by, label=_("Who gave consent"), required=True, limit=300)
    how = clean_text(how, label=_("How consent was given"), required=True, limit=500)
    if given_at > timezone.now() + timedelta(minutes=5):
        raise PartnerError(_("Consent cannot be given in the future."))
    referral.consent_kind = ConsentKind.STAFF
    referral.consent_at = given_at
    referral.consent_recorded_by_id = user.pk
    referral.consent_note = f"{given_by} — {how}"
    referral.save()
    record(user, "referral.consent_recorded", "referral", referral.id)
    return referral


@transaction.atomic
def ask_consent_in_mailbox(*, user: Actor, case_id: str, referral_id: str) -> Referral:
    """Ask the person in their web mailbox; their "yes" there is the consent."""
    case, referral = _open_for_work(user, case_id, referral_id)
    if referral.state not in workflow.PENDING:
        raise PartnerError(_("Consent is asked before a referral is sent."))
    if referral.state == ReferralState.APPROVED:
        raise PartnerError(
            _(
                "This referral is approved: its consent is not changed now. Cancel it and make "
                "a new referral if the consent was wrong."
            )
        )
    try:
        referral.consent_request_id = screening.ask_consent(
            actor_id=user.pk,
            case_id=case.id,
            referral_id=referral.id,
            partner_name=referral.partner.name,
        )
    except screening.ScreeningError as exc:
        raise PartnerError(str(exc)) from exc
    referral.save(update_fields=["consent_request_id"])
    record(user, "referral.consent_asked", "referral", referral.id)
    return referral


def _mailbox_said_no(referral: Referral) -> bool:
    if not referral.consent_request_id:
        return False
    answer = screening.consent_answer(
        consent_id=referral.consent_request_id, case_id=referral.case_id
    )
    return answer.answer is False


def _require_consent(referral: Referral) -> None:
    """A "yes" in the mailbox (copied onto the referral the first time it is seen), or
    consent recorded by staff. The mailbox is read first: the person's own "no" there
    refuses the referral whatever staff typed."""
    staff_consent = referral.consent_kind == ConsentKind.STAFF and referral.consent_at
    if referral.consent_request_id:
        answer = screening.consent_answer(
            consent_id=referral.consent_request_id, case_id=referral.case_id
        )
        if answer.answer is False:
            raise PartnerError(
                _("The person said no in their web mailbox: this referral cannot go ahead.")
            )
        if answer.answer is True:
            if not staff_consent and referral.consent_kind != ConsentKind.MAILBOX:
                referral.consent_kind = ConsentKind.MAILBOX
                referral.consent_at = answer.answered_at
                referral.save(update_fields=["consent_kind", "consent_at"])
            return
        if staff_consent:
            return
        raise PartnerError(_("The person has not answered in their web mailbox yet."))
    if staff_consent:
        return
    raise PartnerError(
        _(
            "The person's consent is not recorded: record it (who, when, how) or ask in the "
            "web mailbox before approving or sending."
        )
    )


def _partner_then_referral(case: Case, referral_id: str) -> Referral:
    """The referral, locked after its partner: the order of ``decide_key_change`` and
    ``retire_key`` (partner, then its referrals), so the two never wait on each other."""
    partner_for(referral_of(case, referral_id, lock=False).partner_id, lock=True)
    return referral_of(case, referral_id)


def _require_active(partner: Partner) -> None:
    """A deactivated partner is sent nothing: no new referral, no approval, no package
    (the check is made again at each step, since it may be deactivated in between)."""
    if not partner.active:
        raise PartnerError(
            _(
                "%(partner)s is deactivated: nothing is referred, approved or sent to it. "
                "Nothing was sent. A programme manager may reactivate it; otherwise cancel "
                "this referral."
            )
            % {"partner": partner.name}
        )


def _require_keys(partner: Partner) -> list[str]:
    keys = active_keys(partner)
    if not keys:
        raise PartnerError(
            _(
                "%(partner)s has no approved age key: nothing can be encrypted to it until "
                "two programme managers have approved one."
            )
            % {"partner": partner.name}
        )
    return [k.recipient for k in keys]


@transaction.atomic
def approve_referral(*, user: Actor, case_id: str, referral_id: str) -> Referral:
    """A programme manager other than the creator approves, for the partner's keys as
    they are now. A referral flagged after a key change is approved again the same way."""
    case = case_for(user, case_id)
    require(user, APPROVE_REFERRAL, _("Your role does not allow approving referrals."))
    referral = _partner_then_referral(case, referral_id)
    if referral.created_by_id == user.pk:
        raise PartnerError(_("You made this referral: another programme manager must approve it."))
    reapproval = referral.state == ReferralState.APPROVED and referral.key_changed_at is not None
    if referral.state != ReferralState.DRAFT and not reapproval:
        raise PartnerError(
            _("Only a draft referral, or one flagged after a key change, is approved.")
        )
    _require_consent(referral)
    partner = partner_for(referral.partner_id, lock=True)
    _require_active(partner)
    _require_keys(partner)
    referral.approved_by_id = user.pk
    referral.approved_at = timezone.now()
    referral.approved_key_version = partner.key_version
    referral.key_changed_at = None
    if reapproval:
        referral.save()
        _event(referral, ReferralState.APPROVED, user.pk, "approved again after a key change")
        record(user, "referral.reapproved", "referral", referral.id)
    else:
        _move(referral, ReferralState.APPROVED, user.pk)
    return referral


def _sender() -> dict[str, str]:
    sender = {"installation": settings.WAYSTATION_INSTALLATION_NAME}
    recipient = installation_recipient()
    if recipient:
        sender["recipient"] = recipient  # so the partner can encrypt an answer to us
    return sender


def build_package(referral: Referral, case: Case) -> tuple[bytes, bytes]:
    """The zip of the chosen parts, and its age encryption to the partner's active keys.
    Writes nothing."""
    recipients = _require_keys(referral.partner)
    content = referral.content or {}
    chosen = set(referral.parts or [])
    files: list[package.PackageFile] = []
    if Part.FILES in chosen:
        for number, opened in enumerate(case_files(case=case, ids=content.get("file_ids", [])), 1):
            files.append(
                package.PackageFile(
                    name=package.file_name(number, opened.content_type),
                    content_type=opened.content_type,
                    data=opened.data,
                )
            )
    parts = {k: v for k, v in content.items() if k in chosen and k != Part.FILES}
    manifest = package.manifest_for(
        referral_id=referral.id,
        created_at=timezone.now(),
        sender=_sender(),
        partner={"id": referral.partner_id, "name": referral.partner.name},
        purpose=referral.purpose or "",
        urgency=int(case.urgency),
        country=case.country,
        parts=parts,
        files=files,
    )
    plain = package.zip_package(manifest, files)
    try:
        return plain, age.encrypt(plain, recipients)
    except age.AgeError as exc:
        raise PartnerError(str(exc)) from exc


def _send(
    referral: Referral, case: Case, actor_id: int | None, *, partner_id: str = ""
) -> SentPackage:
    if referral.state != ReferralState.APPROVED:
        if referral.sent_at is not None:
            raise PartnerError(
                _("This package was already downloaded once; it is not offered again.")
            )
        raise PartnerError(_("Only an approved referral is sent."))
    if referral.approved_by_id is None or referral.approved_by_id == referral.created_by_id:
        raise PartnerError(_("This referral needs the approval of a second programme manager."))
    _require_consent(referral)
    partner = partner_for(referral.partner_id, lock=True)
    _require_active(partner)
    if referral.key_changed_at is not None or referral.approved_key_version != partner.key_version:
        raise PartnerError(
            _(
                "%(partner)s's keys changed since this referral was approved: a programme "
                "manager must approve it again before it is sent. Nothing was sent."
            )
            % {"partner": partner.name}
        )
    plain, sealed = build_package(referral, case)
    digest = hashlib.sha256(sealed).hexdigest()
    referral.sent_copy = SealedFileContent(
        name=f"referral-{referral.id}.zip", content_type="application/zip", data=plain
    )
    referral.package_sha256 = digest
    referral.package_size = len(sealed)
    referral.sent_at = timezone.now()
    referral.sent_by_id = actor_id
    _move(referral, ReferralState.SENT, actor_id, partner_id=partner_id)
    return SentPackage(filename=f"referral-{referral.id}.age", data=sealed, sha256=digest)


@transaction.atomic
def download_package(*, user: Actor, case_id: str, referral_id: str) -> SentPackage:
    """The package, once: building it marks the referral sent."""
    case = case_for(user, case_id)
    require(user, MAKE_REFERRAL, _("Your role does not allow working on referrals."))
    return _send(_partner_then_referral(case, referral_id), case, user.pk)


@transaction.atomic
def fetch_for_partner(referral: Referral, *, partner_id: str) -> SentPackage:
    """For the API: the partner ``partner_id`` (authenticated there) takes the package,
    once, under the same rules as a download by staff."""
    partner_for(referral.partner_id, lock=True)  # the partner first, as a key change
    locked = (
        Referral.objects.select_for_update(of=("self",))
        .select_related("partner", "case")
        .filter(pk=referral.pk)
        .first()
    )
    if (
        locked is None
        or locked.partner_id != partner_id
        or locked.state not in workflow.SEEN_BY_PARTNER
    ):
        raise ReferralNotFound(_("No such referral."))
    return _send(locked, locked.case, None, partner_id=partner_id)


def _partners_referral(referral: Referral, partner_id: str) -> Referral:
    """The referral, locked, if it is one the partner sees (else "No such referral.",
    as for one that does not exist)."""
    locked = Referral.objects.select_for_update().filter(pk=referral.pk).first()
    if (
        locked is None
        or locked.partner_id != partner_id
        or locked.state not in workflow.SEEN_BY_PARTNER
    ):
        raise ReferralNotFound(_("No such referral."))
    return locked


@transaction.atomic
def record_partner_update(
    referral: Referral,
    state: str,
    *,
    by: Actor | None = None,
    partner_id: str = "",
    note: str = "",
) -> Referral:
    """What the partner told us: received, accepted, declined, arrived. Typed by staff
    (``by``, who must see the case and work on referrals), or sent by the partner itself
    over the API (``partner_id``, authenticated there), for no member of staff: the
    same moves, refusals, timeline event and audit entry, naming the partner."""
    if (by is None) == (not partner_id):
        raise ValueError(_("a partner update comes from one member of staff or one partner"))
    if by is not None:
        case = case_for(by, referral.case_id)
        require(by, MAKE_REFERRAL, _("Your role does not allow working on referrals."))
        locked = referral_of(case, referral.id)
    else:
        locked = _partners_referral(referral, partner_id)
    if state not in workflow.PARTNER_UPDATES:
        raise PartnerError(_("Record received, accepted, declined or arrived."))
    note = clean_text(note, label=_("The note"), limit=2_000)
    _move(locked, ReferralState(state), by.pk if by else None, note, partner_id=partner_id)
    return locked


@transaction.atomic
def record_update(
    *, user: Actor, case_id: str, referral_id: str, state: str, note: str = ""
) -> Referral:
    """:func:`record_partner_update` from the referral's page."""
    case = case_for(user, case_id)
    return record_partner_update(referral_of(case, referral_id), state, by=user, note=note)


@transaction.atomic
def cancel_referral(*, user: Actor, case_id: str, referral_id: str) -> Referral:
    _case, referral = _open_for_work(user, case_id, referral_id)
    _move(referral, ReferralState.CANCELLED, user.pk)
    return referral
