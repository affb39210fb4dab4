"""Partners and a case's referrals, for staff (a partner organisation's own routes are
``views.partner``). Each view is one call into ``partners.selectors``, the pages' own:
the list for whoever may read partners (their role refers or manages partners, else
403, as the pages), one partner opened under the page's ``partner.opened`` audit entry
(its contacts are sealed, and shown to the same people as on its page), and a case's
referrals for whoever may see the case (else 404, as for no case), each referral shown
a ``referral.opened`` entry, as its page."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from waystation.api.serializers import partners as shapes
from waystation.api.serializers.common import PageQuerySerializer
from waystation.api.views.common import CASE_ID, READ_ERRORS, actor, page_of_rows, path_id, query
from waystation.partners.selectors import partners as partner_selectors
from waystation.partners.selectors import referrals as referral_selectors

PARTNER_ID = path_id("partner_id", "partner")


class PartnerList(APIView):
    @extend_schema(
        operation_id="partners_list",
        summary="Partner organisations: name, country, kinds, active, key fingerprints",
        parameters=[PageQuerySerializer],
        responses={200: shapes.PartnerPageSerializer, **READ_ERRORS},
        tags=["partners"],
    )
    def get(self, request: Request) -> Response:
        asked = query(PageQuerySerializer, request)
        rows = partner_selectors.partner_list(user=actor(request))
        return Response(page_of_rows(rows, shapes.PartnerRowSerializer, asked["page"]))


class PartnerDetail(APIView):
    @extend_schema(
        operation_id="partners_retrieve",
        summary="One partner, contacts opened (an audit entry, as the partner's page)",
        parameters=[PARTNER_ID],
        responses={200: shapes.PartnerSerializer, **READ_ERRORS},
        tags=["partners"],
    )
    def get(self, request: Request, partner_id: str) -> Response:
        page = partner_selectors.partner_page(user=actor(request), partner_id=partner_id)
        return Response(shapes.PartnerSerializer(page).data)


class CaseReferrals(APIView):
    @extend_schema(
        operation_id="cases_referrals_list",
        summary="The case's referrals with their states and state changes (audited)",
        parameters=[CASE_ID, PageQuerySerializer],
        responses={200: shapes.CaseReferralPageSerializer, **READ_ERRORS},
    )
    def get(self, request: Request, case_id: str) -> Response:
        asked = query(PageQuerySerializer, request)
        rows = referral_selectors.case_referrals_with_events(user=actor(request), case_id=case_id)
        return Response(page_of_rows(rows, shapes.CaseReferralSerializer, asked["page"]))
