"""A partner's API token pages, mounted at ``/partners/<partner_id>/api-tokens/``."""

from django.urls import path

from waystation.api.views import partner_tokens

app_name = "api_partner_tokens"
urlpatterns = [
    path("", partner_tokens.partner_token_list, name="list"),
    path("new/", partner_tokens.partner_token_create, name="new"),
    path("<str:token_id>/revoke/", partner_tokens.partner_token_revoke, name="revoke"),
]
