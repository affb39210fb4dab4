"""The API token pages of "My account", mounted at ``/accounts/me/api-tokens/``."""

from django.urls import path

from waystation.api.views import tokens

app_name = "api_tokens"
urlpatterns = [
    path("", tokens.token_list, name="list"),
    path("new/", tokens.token_create, name="new"),
    path("<str:token_id>/revoke/", tokens.token_revoke, name="revoke"),
]
