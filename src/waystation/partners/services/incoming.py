"""Referrals in: a package a partner sent us, opened with this installation's own age
identity and put into the one triage queue as a request of the channel "partner
referral", the partner named (docs/referrals.md).

Everything is checked before anything is stored (docs/design.md §2.9): the size, that
it is age and opens with our key, the zip's names and sizes, the manifest's shape, the
files' digests, and each file rebuilt like an applicant's upload. A refused package
changes nothing. The request then goes the way of a web request: a screener opens it,
and opening a case from it seals it under the case's key and computes the similarity
signals (same phone, same story) by the same code as for any request.
"""

from __future__ import annotations

import hashlib

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from waystation.accounts.models import Actor
from waystation.intake import screening
from waystation.intake.forms import PREFERRED_LANGUAGES
from waystation.partners.models import IncomingReferral, Part, Partner
from waystation.partners.services import package
from waystation.partners.services.common import MAKE_REFERRAL, PartnerError, record, require
from waystation.partners.services.identity import _secrets
from waystation.partners.services.partners import partner_for
from waystation.vault import age


def _story(manifest: dict[str, object]) -> str:
    parts = manifest["parts"]
    assert isinstance(parts, dict)
    sections = [
        ("Purpose", manifest.get("purpose", "")),
        ("Summary", parts.get(Part.SUMMARY, "")),
        ("Documents held", parts.get(Part.DOCUMENTS, "")),
        ("Relocation needs", parts.get(Part.RELOCATION_NEEDS, "")),
    ]
    return "\n\n".join(f"{title}: {text}" for title, text in sections if text)


def _language(value: object) -> str:
    """A language code we know (those an applicant may choose), else English: the
    manifest's word is kept only if it is one of ours."""
    known = {code for code, _name in PREFERRED_LANGUAGES}
    return value if isinstance(value, str) and value in known else "en"


def _nothing_imported(refusal: Exception) -> str:
    return _("%(why)s Nothing was imported.") % {"why": refusal}


def receive_referral(
    package_bytes: bytes,
    partner: Partner,
    *,
    actor_id: int | None = None,
    by_partner: bool = False,
) -> str:
    """Import one package from ``partner``; returns the id of the request it became.
    ``by_partner``: the partner sent it itself, over the API (no member of staff acted;
    the audit entry names the partner)."""
    if by_partner and actor_id is not None:
        raise ValueError(_("a package the partner sent itself is imported by no one"))
    if by_partner and not partner.active:
        raise PartnerError(_("This partner is no longer active."))
    if len(package_bytes) > package.MAX_PACKAGE_BYTES:
        raise PartnerError(
            _("The file is larger than %(mb)s MB: refused.")
            % {"mb": package.MAX_PACKAGE_BYTES // (1024 * 1024)}
        )
    digest = hashlib.sha256(package_bytes).hexdigest()
    try:
        plain = age.decrypt(package_bytes, _secrets())
    except age.AgeError as exc:
        raise PartnerError(_nothing_imported(exc)) from exc
    opened = package.read_package(plain)
    manifest = opened.manifest
    parts = manifest["parts"]
    route = parts.get(Part.CONTACT_ROUTE) or {}
    referral = screening.PartnerReferral(
        partner_name=partner.name,
        partner_id=partner.id,
        # ``package.check_manifest`` has made it 1, 2 or 3 (an int, not a bool or a float).
        urgency=manifest["urgency"],
        language=_language(manifest.get("language")),
        country=str(manifest.get("country", "")),
        story=_story(manifest),
        contact_channel=str(route.get("channel", "")),
        contact_handle=str(route.get("handle", "")),
        files=[
            screening.PartnerFile(name=f.name, content_type=f.content_type, data=f.data)
            for f in opened.files
        ],
    )
    with transaction.atomic():
        if IncomingReferral.objects.filter(package_sha256=digest).exists():
            raise PartnerError(_("This package was imported before; it is in the queue already."))
        try:
            request = screening.receive_partner_referral(actor_id=actor_id, referral=referral)
        except screening.ScreeningError as exc:
            raise PartnerError(_nothing_imported(exc)) from exc
        try:
            with transaction.atomic():
                incoming = IncomingReferral.objects.create(
                    partner=partner,
                    request_id=request.id,
                    sender_referral_id=str(manifest["referral_id"]),
                    package_sha256=digest,
                    received_by_id=actor_id,
                )
        except IntegrityError as exc:
            raise PartnerError(
                _("This package was imported before; it is in the queue already.")
            ) from exc
        record(
            actor_id,
            "referral.imported",
            "incoming_referral",
            incoming.id,
            partner_id=partner.id if by_partner else "",
        )
    return request.id


def import_package(*, user: Actor, partner_id: str, package_bytes: bytes) -> str:
    """:func:`receive_referral` from the staff page's upload."""
    require(user, MAKE_REFERRAL, _("Your role does not allow importing referrals."))
    partner = partner_for(partner_id)
    return receive_referral(package_bytes, partner, actor_id=user.pk)
