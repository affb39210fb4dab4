"""Casework routes, mounted at ``/cases/`` on the staff side."""

from django.urls import path

from waystation.cases import views

app_name = "cases"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("mine/", views.mine, name="mine"),
    path("search/", views.search, name="search"),
    path("alerts/", views.alerts, name="alerts"),
    path("alerts/<str:alert_id>/resolve/", views.resolve_alert, name="resolve_alert"),
    path("new/", views.new, name="new"),
    path("from-request/<str:request_id>/", views.from_request, name="from_request"),
    path("break-glass/", views.break_glass, name="break_glass"),
    path("teams/", views.teams, name="teams"),
    path("<str:case_id>/", views.detail, name="detail"),
    path("<str:case_id>/stage/", views.change_stage, name="change_stage"),
    path("<str:case_id>/approvals/<str:approval_id>/", views.decide, name="decide"),
    path("<str:case_id>/approvals/<str:approval_id>/withdraw/", views.withdraw, name="withdraw"),
    path("<str:case_id>/checklist/", views.checklist, name="checklist"),
    path("<str:case_id>/references/", views.reference, name="reference"),
    path("<str:case_id>/notes/", views.note, name="note"),
    path("<str:case_id>/messages/", views.message, name="message"),
    path("<str:case_id>/web-reply/", views.web_reply, name="web_reply"),
    path("<str:case_id>/tasks/", views.task, name="task"),
    path("<str:case_id>/tasks/<str:task_id>/done/", views.task_done, name="task_done"),
    path("<str:case_id>/risk/", views.risk, name="risk"),
    path("<str:case_id>/check-ins/schedule/", views.schedule, name="schedule"),
    path("<str:case_id>/check-ins/", views.check_in, name="check_in"),
    path("<str:case_id>/details/", views.details, name="details"),
    path("<str:case_id>/assign/", views.assign, name="assign"),
    path("<str:case_id>/unassign/", views.unassign, name="unassign"),
    path("<str:case_id>/access/", views.grant, name="grant"),
    path("<str:case_id>/access/<str:grant_id>/revoke/", views.revoke, name="revoke"),
    path("<str:case_id>/retention/", views.extend_retention, name="extend_retention"),
    path("<str:case_id>/reopen/", views.reopen, name="reopen"),
    path("<str:case_id>/shred/", views.shred, name="shred"),
    path("<str:case_id>/shred/request/", views.shred_request, name="shred_request"),
    path(
        "<str:case_id>/shred/<str:request_id>/confirm/", views.shred_confirm, name="shred_confirm"
    ),
    path("<str:case_id>/shred/<str:request_id>/cancel/", views.shred_cancel, name="shred_cancel"),
]
