"""A case's legs and travel documents, as the relocation page shows them."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from waystation.api.serializers.common import page_of


class LegSerializer(serializers.Serializer[Any]):
    id = serializers.CharField()
    position = serializers.IntegerField()
    mode = serializers.CharField()
    mode_label = serializers.CharField()
    from_country = serializers.CharField()
    to_country = serializers.CharField()
    planned_departure = serializers.DateTimeField()
    planned_arrival = serializers.DateTimeField()
    actual_departure = serializers.DateTimeField(allow_null=True)
    actual_arrival = serializers.DateTimeField(allow_null=True)
    status = serializers.CharField()
    status_label = serializers.CharField()
    grace_hours = serializers.IntegerField()
    origin = serializers.CharField()
    destination = serializers.CharField()
    escort = serializers.CharField()
    notes = serializers.CharField()


LegPageSerializer = page_of(LegSerializer, "LegPageSerializer")


class DocumentSerializer(serializers.Serializer[Any]):
    id = serializers.CharField()
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    country = serializers.CharField()
    visa_type = serializers.CharField()
    leg_id = serializers.CharField(help_text="The leg it is for, or empty.")
    leg_position = serializers.IntegerField(allow_null=True)
    applied_on = serializers.DateField(allow_null=True)
    issued_on = serializers.DateField(allow_null=True)
    expires_on = serializers.DateField(allow_null=True)
    number = serializers.CharField()
    notes = serializers.CharField()


DocumentPageSerializer = page_of(DocumentSerializer, "DocumentPageSerializer")
