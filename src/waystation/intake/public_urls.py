"""The public process's whole URLconf: the request form, the mailbox, the quick exit.
No staff route exists here, so none can be reached through this process."""

from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path

from waystation.intake import public_views

pages = [
    path("", public_views.request_form, name="request_form"),
    path("mailbox/", public_views.mailbox, name="mailbox"),
    path("mailbox/message/", public_views.mailbox_message, name="message"),
    path("mailbox/check-in/", public_views.mailbox_check_in, name="check_in"),
    path("mailbox/consent/", public_views.mailbox_consent, name="consent"),
    path("safety/", public_views.about, name="about"),
]

urlpatterns = [
    path("", public_views.root, name="root"),
    path("leave/", public_views.leave, name="leave"),
    *i18n_patterns(path("", include((pages, "intake_public"))), prefix_default_language=True),
]

handler400 = "waystation.intake.public_views.bad_request"
handler403 = "waystation.intake.public_views.forbidden"
handler404 = "waystation.intake.public_views.not_found"
handler500 = "waystation.intake.public_views.server_error"
