"""The API's routes, mounted at ``/api/`` on the staff side only (never in the public
process, whose URLconf is ``intake.public_urls``)."""

from django.urls import include, path

from waystation.api.views import alerts, cases, docs, partner, partners, relocation

app_name = "api"

v1 = [
    path("cases/", cases.CaseList.as_view(), name="cases"),
    path("cases/<str:case_id>/", cases.CaseDetail.as_view(), name="case"),
    path("cases/<str:case_id>/timeline/", cases.Timeline.as_view(), name="timeline"),
    path("cases/<str:case_id>/notes/", cases.Notes.as_view(), name="notes"),
    path("cases/<str:case_id>/tasks/", cases.Tasks.as_view(), name="tasks"),
    path(
        "cases/<str:case_id>/tasks/<str:task_id>/done/",
        cases.TaskDone.as_view(),
        name="task_done",
    ),
    path("cases/<str:case_id>/check-ins/", cases.CheckIns.as_view(), name="check_ins"),
    path("cases/<str:case_id>/legs/", relocation.Legs.as_view(), name="legs"),
    path("cases/<str:case_id>/documents/", relocation.Documents.as_view(), name="documents"),
    path("cases/<str:case_id>/referrals/", partners.CaseReferrals.as_view(), name="referrals"),
    path("alerts/", alerts.AlertList.as_view(), name="alerts"),
    path("alerts/<str:alert_id>/resolve/", alerts.AlertResolve.as_view(), name="alert_resolve"),
    path("partners/", partners.PartnerList.as_view(), name="partners"),
    path("partners/<str:partner_id>/", partners.PartnerDetail.as_view(), name="partner"),
    # A partner organisation's token only (views.partner); it reaches nothing above.
    path("partner/referrals/", partner.ReferralList.as_view(), name="partner_referrals"),
    path(
        "partner/referrals/<str:referral_id>/",
        partner.ReferralDetail.as_view(),
        name="partner_referral",
    ),
    path(
        "partner/referrals/<str:referral_id>/package/",
        partner.ReferralPackage.as_view(),
        name="partner_referral_package",
    ),
    path(
        "partner/referrals/<str:referral_id>/state/",
        partner.ReferralState.as_view(),
        name="partner_referral_state",
    ),
    path("partner/incoming/", partner.Incoming.as_view(), name="partner_incoming"),
    path("partner/identity/", partner.Identity.as_view(), name="partner_identity"),
]

urlpatterns = [
    path("v1/", include(v1)),
    path("schema/", docs.schema, name="schema"),
    path("docs/", docs.docs, name="docs"),
]
