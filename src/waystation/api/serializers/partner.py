"""What a partner organisation's token reads and sends: operational columns of its
referrals (nothing sealed), state changes, and this installation's public key."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from waystation.api.serializers.common import page_of
from waystation.partners.models import Part, ReferralState


class PartnerReferralSerializer(serializers.Serializer[Any]):
    id = serializers.CharField()
    state = serializers.ChoiceField(choices=ReferralState.choices)
    state_label = serializers.CharField()
    parts = serializers.ListField(
        child=serializers.ChoiceField(choices=Part.choices),
        help_text="The names of the parts the package carries, never their contents.",
    )
    approved_at = serializers.DateTimeField(allow_null=True)
    sent_at = serializers.DateTimeField(
        allow_null=True, help_text="When the package was fetched (it is offered once)."
    )
    ready = serializers.BooleanField(
        help_text="The package can be fetched now (approved for the partner's current keys)."
    )
    package_sha256 = serializers.CharField(
        help_text="SHA-256 of the age-encrypted package, once fetched; else empty."
    )
    package_size = serializers.IntegerField(allow_null=True)


PartnerReferralPageSerializer = page_of(PartnerReferralSerializer, "PartnerReferralPageSerializer")


class PartnerUpdateSerializer(serializers.Serializer[Any]):
    """A state change the partner reports. Which moves are allowed is the workflow's
    (docs/referrals.md); a forbidden one is refused with its sentence."""

    state = serializers.ChoiceField(
        choices=[
            (ReferralState.RECEIVED, "received"),
            (ReferralState.ACCEPTED, "accepted"),
            (ReferralState.DECLINED, "declined"),
            (ReferralState.ARRIVED, "arrived"),
        ]
    )
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=2_000,
        help_text="Optional; sealed under the case's key on the referral's timeline.",
    )


class ImportedSerializer(serializers.Serializer[Any]):
    package_sha256 = serializers.CharField(help_text="SHA-256 of the package as received.")
    queued = serializers.BooleanField(help_text="The referral is in the triage queue.")


class InstallationKeySerializer(serializers.Serializer[Any]):
    recipient = serializers.CharField(
        help_text="This installation's age public key: encrypt packages sent here to it."
    )
    fingerprint = serializers.CharField(
        help_text="Read it aloud with the installation's staff before first use."
    )
