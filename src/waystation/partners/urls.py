"""Partners' pages: partners and keys, and each case's referrals."""

from django.urls import include, path

from waystation.partners.views import partners, referrals

app_name = "partners"

urlpatterns = [
    path("case/<str:case_id>/", include(referrals.urlpatterns)),
    path("", include(partners.urlpatterns)),
]
