"""Dossiers' pages: each case's dossiers."""

from django.urls import include, path

from waystation.dossiers.views import dossiers

app_name = "dossiers"

urlpatterns = [
    path("case/<str:case_id>/", include(dossiers.urlpatterns)),
]
