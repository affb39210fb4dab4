from django.urls import include, path

from waystation.home import views as home

urlpatterns = [
    path("", home.home, name="home"),
    # /health is answered by status.middleware.HealthMiddleware, before any of this.
    path("status/", include("waystation.status.urls")),
    path("accounts/me/api-tokens/", include("waystation.api.account_urls")),
    path("accounts/", include("waystation.accounts.urls")),
    path("vault/", include("waystation.vault.urls")),
    path("intake/", include("waystation.intake.urls")),
    path("cases/", include("waystation.cases.urls")),
    path("relocation/", include("waystation.relocation.urls")),
    # A partner's API tokens: the api app's pages (it sits above partners).
    path(
        "partners/<str:partner_id>/api-tokens/",
        include("waystation.api.partner_token_urls"),
    ),
    path("partners/", include("waystation.partners.urls")),
    path("documentation/", include("waystation.documentation.urls")),
    path("dossiers/", include("waystation.dossiers.urls")),
    # Staff side only: the public process's URLconf is intake.public_urls.
    path("api/", include("waystation.api.urls")),
]

handler400 = "waystation.web.views.bad_request"
handler403 = "waystation.web.views.permission_denied"
handler404 = "waystation.web.views.not_found"
handler500 = "waystation.web.views.server_error"
