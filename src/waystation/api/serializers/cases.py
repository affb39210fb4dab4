"""Cases, their timeline, tasks and alerts, as the pages show them."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from waystation.api.serializers.common import page_of
from waystation.cases.models import NoteKind, Stage


class CaseRowSerializer(serializers.Serializer[Any]):
    """A row of the queue: operational fields only, nothing decrypted."""

    id = serializers.CharField()
    stage = serializers.CharField()
    stage_label = serializers.CharField()
    urgency = serializers.IntegerField()
    urgency_label = serializers.CharField()
    channel_label = serializers.CharField()
    country = serializers.CharField(help_text="Two-letter code, or empty.")
    team = serializers.CharField()
    opened_at = serializers.DateTimeField()


CasePageSerializer = page_of(CaseRowSerializer, "CasePageSerializer")


class CaseListQuerySerializer(serializers.Serializer[Any]):
    page = serializers.IntegerField(min_value=1, max_value=1_000_000, default=1, required=False)
    stage = serializers.ChoiceField(
        choices=Stage.choices,
        required=False,
        help_text="Only cases in this stage (closed ones too). Without it: the open cases.",
    )
    mine = serializers.BooleanField(
        default=False, required=False, help_text="Only the open cases assigned to you."
    )


class AssigneeSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    username = serializers.CharField()


class ScheduleSerializer(serializers.Serializer[Any]):
    every_hours = serializers.IntegerField()
    grace_hours = serializers.IntegerField()
    next_due_at = serializers.DateTimeField()
    last_check_in_at = serializers.DateTimeField(allow_null=True)
    active = serializers.BooleanField()


class CaseSerializer(serializers.Serializer[Any]):
    """One case, opened (the reading is an audit entry, as on the case page)."""

    id = serializers.CharField(source="case.id")
    stage = serializers.CharField(source="case.stage")
    urgency = serializers.IntegerField(source="case.urgency")
    channel = serializers.CharField(source="case.channel")
    country = serializers.CharField(source="case.country")
    team = serializers.SerializerMethodField()
    opened_at = serializers.DateTimeField(source="case.opened_at")
    full_name = serializers.CharField()
    phone = serializers.CharField()
    email = serializers.CharField()
    handle = serializers.CharField()
    birth_year = serializers.CharField()
    city = serializers.CharField()
    narrative = serializers.CharField()
    contacts = serializers.ListField(child=serializers.DictField(child=serializers.CharField()))
    assignees = serializers.SerializerMethodField()
    check_in_schedule = ScheduleSerializer(source="schedule", allow_null=True)

    def get_team(self, opened: Any) -> str:
        return opened.case.team.name if opened.case.team else ""

    @extend_schema_field(AssigneeSerializer(many=True))
    def get_assignees(self, opened: Any) -> list[dict[str, Any]]:
        return [{"id": pk, "username": name} for pk, name in opened.assignees]


class TimelineEntrySerializer(serializers.Serializer[Any]):
    at = serializers.DateTimeField()
    kind = serializers.CharField(
        help_text="message_in, message_out, note, credibility, stage, task, task_done, "
        "risk, check_in, help_now"
    )
    text = serializers.CharField()
    actor_id = serializers.IntegerField(allow_null=True)
    via_web = serializers.BooleanField()
    files = serializers.IntegerField()


TimelinePageSerializer = page_of(TimelineEntrySerializer, "TimelinePageSerializer")


class TimelineQuerySerializer(serializers.Serializer[Any]):
    page = serializers.IntegerField(min_value=1, max_value=1_000_000, default=1, required=False)
    kind = serializers.CharField(
        max_length=20, required=False, help_text="Only entries of this kind (e.g. note)."
    )


class TaskSerializer(serializers.Serializer[Any]):
    id = serializers.CharField()
    title = serializers.CharField()
    due_at = serializers.DateTimeField(allow_null=True)
    done_at = serializers.DateTimeField(allow_null=True)
    assignee = serializers.CharField(help_text="Username, or empty.")


TaskPageSerializer = page_of(TaskSerializer, "TaskPageSerializer")


class NoteInputSerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=NoteKind.choices, default=NoteKind.NOTE)
    # Blank and surrounding spaces are left to the service, so that its refusal is the
    # page's ("The note is required."); the length is the page form's.
    text = serializers.CharField(max_length=20_000, allow_blank=True, trim_whitespace=False)


class NoteCreatedSerializer(serializers.Serializer[Any]):
    id = serializers.CharField()
    kind = serializers.CharField()
    at = serializers.DateTimeField()


class TaskInputSerializer(serializers.Serializer[Any]):
    title = serializers.CharField(max_length=500, allow_blank=True, trim_whitespace=False)
    due_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class TaskCreatedSerializer(serializers.Serializer[Any]):
    id = serializers.CharField()
    due_at = serializers.DateTimeField(allow_null=True)


class AlertSerializer(serializers.Serializer[Any]):
    id = serializers.CharField()
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    case_id = serializers.CharField()
    case_visible = serializers.BooleanField(
        help_text="False when you may no longer see the case the alert is about."
    )
    created_at = serializers.DateTimeField()


AlertPageSerializer = page_of(AlertSerializer, "AlertPageSerializer")
