"""Partners and a case's referrals as staff read them (the partner organisation's own
view of its referrals is ``serializers.partner``)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from waystation.api.serializers.common import page_of


class PartnerRowSerializer(serializers.Serializer[Any]):
    """A partner in the list: operational columns only, nothing opened."""

    id = serializers.CharField()
    name = serializers.CharField(help_text="The organisation's name, never a person's.")
    country = serializers.CharField(help_text="Two-letter code, or empty.")
    kinds = serializers.ListField(
        child=serializers.CharField(),
        source="kind_codes",
        help_text="shelter, relocation, legal_aid, resettlement, medical, unhcr_liaison",
    )
    active = serializers.BooleanField()
    fingerprints = serializers.ListField(
        child=serializers.CharField(), help_text="Of the partner's active age keys."
    )


PartnerPageSerializer = page_of(PartnerRowSerializer, "PartnerPageSerializer")


class PartnerKeySerializer(serializers.Serializer[Any]):
    id = serializers.CharField()
    recipient = serializers.CharField(help_text="The age public key (age1…).")
    fingerprint = serializers.CharField(help_text="Read it aloud with the partner.")
    activated_at = serializers.DateTimeField()


class PartnerSerializer(serializers.Serializer[Any]):
    """One partner, opened: its contacts are sealed, and the reading is a
    ``partner.opened`` audit entry, as the partner's page."""

    id = serializers.CharField(source="partner.id")
    name = serializers.CharField(source="partner.name")
    country = serializers.CharField(source="partner.country")
    kinds = serializers.ListField(child=serializers.CharField(), source="partner.kinds")
    active = serializers.BooleanField(source="partner.active")
    fingerprints = serializers.SerializerMethodField()
    keys = PartnerKeySerializer(many=True)
    contacts = serializers.CharField(help_text="Who to reach there and how (sealed).")

    def get_fingerprints(self, page: Any) -> list[str]:
        return [key.fingerprint for key in page.keys]


class ReferralEventSerializer(serializers.Serializer[Any]):
    at = serializers.DateTimeField()
    from_state = serializers.CharField(help_text="Empty for the drafting.")
    to_state = serializers.CharField()
    actor_id = serializers.IntegerField(
        allow_null=True, help_text="The member of staff; null when the partner or no one did."
    )
    by_partner = serializers.BooleanField(help_text="The partner made this move over the API.")
    note = serializers.CharField(help_text="What was said with the move (sealed), or empty.")


class CaseReferralSerializer(serializers.Serializer[Any]):
    id = serializers.CharField()
    partner_id = serializers.CharField()
    partner = serializers.CharField(help_text="The partner's name.")
    state = serializers.CharField(
        help_text="draft, approved, sent, received, accepted, declined, arrived, cancelled"
    )
    state_label = serializers.CharField()
    parts = serializers.ListField(
        child=serializers.CharField(), help_text="The names of the parts chosen."
    )
    created_at = serializers.DateTimeField()
    approved_at = serializers.DateTimeField(allow_null=True)
    sent_at = serializers.DateTimeField(allow_null=True)
    key_changed = serializers.BooleanField(
        help_text="The partner's keys changed since approval: it must be approved again."
    )
    package_sha256 = serializers.CharField(help_text="Of the package sent, or empty.")
    events = ReferralEventSerializer(many=True)


CaseReferralPageSerializer = page_of(CaseReferralSerializer, "CaseReferralPageSerializer")
