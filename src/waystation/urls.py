from django.urls import include, path

from waystation.web import views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/", include("waystation.accounts.urls")),
    path("vault/", include("waystation.vault.urls")),
    path("intake/", include("waystation.intake.urls")),
    path("cases/", include("waystation.cases.urls")),
]
