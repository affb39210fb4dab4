"""Staff routes for web requests, mounted at ``/intake/`` on the staff side only (the
public process has its own URLconf, ``public_urls.py``)."""

from django.urls import path

from waystation.intake import views

app_name = "intake"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("key/", views.create_key, name="create_key"),
    path("<str:request_id>/", views.detail, name="detail"),
    path("<str:request_id>/answer/", views.answer, name="answer"),
    path("<str:request_id>/files/<str:attachment_id>/", views.attachment, name="attachment"),
]
