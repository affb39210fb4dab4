from django.urls import path

from waystation.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.StaffLoginView.as_view(), name="login"),
    path("login/code/", views.verify, name="verify"),
    path("login/key/options/", views.verify_key_options, name="verify_key_options"),
    path("login/key/", views.verify_key, name="verify_key"),
    path("login/set-up/", views.enrol, name="enrol"),
    path("logout/", views.logout, name="logout"),
    path("reauthenticate/", views.reauthenticate, name="reauthenticate"),
    path("language/", views.set_language, name="language"),
    path("me/", views.security, name="security"),
    path("me/password/", views.password_change, name="password_change"),
    path("me/recovery-codes/", views.recovery_codes, name="recovery_codes"),
    path("me/security-keys/add/", views.security_key_add, name="security_key_add"),
    path(
        "me/security-keys/add/options/",
        views.security_key_add_options,
        name="security_key_add_options",
    ),
    path(
        "me/security-keys/<int:pk>/remove/",
        views.security_key_remove,
        name="security_key_remove",
    ),
    path("me/end-other-sessions/", views.end_my_other_sessions, name="end_other_sessions"),
    path("staff/", views.staff_list, name="staff_list"),
    path("staff/new/", views.staff_create, name="staff_create"),
    path("staff/<int:pk>/", views.staff_detail, name="staff_detail"),
    path("staff/<int:pk>/role/", views.staff_set_role, name="staff_set_role"),
    path(
        "staff/<int:pk>/deactivate/",
        views.staff_action,
        {"action": "deactivate"},
        name="staff_deactivate",
    ),
    path(
        "staff/<int:pk>/reactivate/",
        views.staff_action,
        {"action": "reactivate"},
        name="staff_reactivate",
    ),
    path(
        "staff/<int:pk>/reset-two-factor/",
        views.staff_action,
        {"action": "reset_two_factor"},
        name="staff_reset_two_factor",
    ),
    path(
        "staff/<int:pk>/end-sessions/",
        views.staff_action,
        {"action": "end_sessions"},
        name="staff_end_sessions",
    ),
]
