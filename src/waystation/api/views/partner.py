"""A partner organisation's routes (``/api/v1/partner/…``), for its own token only
(``PartnerScope``; every staff route refuses that token, and these refuse a personal
one). Each is a thin call into the partners app, whose services decide: which referrals
the partner sees (``selectors.partner_side``), the package taken once
(``fetch_for_partner``, the rule of the page's download), a state change
(``record_partner_update``, the workflow's refusals), a referral in
(``receive_referral``, into the one triage queue, the partner named). The audit entries
are the services' own, naming the partner: the token speaks for no member of staff."""

from __future__ import annotations

import hashlib
from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from waystation.api.authentication import PartnerCaller
from waystation.api.parsers import AgePackageParser
from waystation.api.permissions import PartnerScope
from waystation.api.serializers import partner as shapes
from waystation.api.serializers.common import PageQuerySerializer
from waystation.api.views.common import READ_ERRORS, errors, page_of_rows, path_id, query
from waystation.partners.models import Partner
from waystation.partners.selectors import partner_side
from waystation.partners.services import incoming, referrals

REFERRAL_ID = path_id("referral_id", "referral")
PARTNER_WRITE_ERRORS = errors(400, 401, 403, 404, 413, 415, 429)


def partner(request: Request) -> Partner:
    """The partner the request's token speaks for (``PartnerScope`` ran first)."""
    caller = request.user
    if not isinstance(caller, PartnerCaller):
        raise NotAuthenticated
    return caller.partner


class PartnerView(APIView):
    permission_classes = [PartnerScope]


class ReferralList(PartnerView):
    @extend_schema(
        operation_id="partner_referrals_list",
        summary="Your open referrals: ids, states, dates, part names (nothing sealed)",
        parameters=[PageQuerySerializer],
        responses={200: shapes.PartnerReferralPageSerializer, **READ_ERRORS},
        tags=["partner"],
    )
    def get(self, request: Request) -> Response:
        asked = query(PageQuerySerializer, request)
        rows = partner_side.referrals_for_partner(partner=partner(request))
        return Response(page_of_rows(rows, shapes.PartnerReferralSerializer, asked["page"]))


class ReferralDetail(PartnerView):
    @extend_schema(
        operation_id="partner_referrals_retrieve",
        summary="One of your referrals (nothing sealed)",
        parameters=[REFERRAL_ID],
        responses={200: shapes.PartnerReferralSerializer, **READ_ERRORS},
        tags=["partner"],
    )
    def get(self, request: Request, referral_id: str) -> Response:
        row = partner_side.partner_referral_row(partner=partner(request), referral_id=referral_id)
        return Response(shapes.PartnerReferralSerializer(row).data)


class ReferralPackage(PartnerView):
    @extend_schema(
        operation_id="partner_referrals_package",
        summary="Take the referral's age-encrypted package, once",
        description=(
            "The package is built, encrypted to your approved age keys and marked sent "
            "in one step; a second request is refused, as a second download on the "
            "page is. POST, not GET: taking it changes the referral."
        ),
        parameters=[REFERRAL_ID],
        request=None,
        responses={
            (200, "application/octet-stream"): OpenApiResponse(
                response=OpenApiTypes.BINARY,
                description="The age file. X-Package-SHA256 is its digest.",
            ),
            **PARTNER_WRITE_ERRORS,
        },
        tags=["partner"],
    )
    def post(self, request: Request, referral_id: str) -> HttpResponse:
        who = partner(request)
        found = partner_side.referral_for_partner(partner=who, referral_id=referral_id)
        sent = referrals.fetch_for_partner(found, partner_id=who.pk)
        response = HttpResponse(sent.data, content_type="application/octet-stream")
        response["Content-Disposition"] = f'attachment; filename="{sent.filename}"'
        response["X-Package-SHA256"] = sent.sha256
        return response


class ReferralState(PartnerView):
    @extend_schema(
        operation_id="partner_referrals_state",
        summary="Report what became of a referral: received, accepted, declined, arrived",
        parameters=[REFERRAL_ID],
        request=shapes.PartnerUpdateSerializer,
        responses={200: shapes.PartnerReferralSerializer, **PARTNER_WRITE_ERRORS},
        tags=["partner"],
    )
    def post(self, request: Request, referral_id: str) -> Response:
        who = partner(request)
        found = partner_side.referral_for_partner(partner=who, referral_id=referral_id)
        body = shapes.PartnerUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        referrals.record_partner_update(
            found,
            body.validated_data["state"],
            partner_id=who.pk,
            note=body.validated_data.get("note", ""),
        )
        row = partner_side.partner_referral_row(partner=who, referral_id=referral_id)
        return Response(shapes.PartnerReferralSerializer(row).data)


class Incoming(PartnerView):
    parser_classes = [AgePackageParser]

    @extend_schema(
        operation_id="partner_incoming_create",
        summary="Send a referral in: an age file encrypted to this installation's key",
        description=(
            "The body is the age file itself (application/octet-stream), encrypted to "
            "the key of GET /api/v1/partner/identity/. It is checked whole before "
            "anything is stored, and lands in the triage queue naming you."
        ),
        request={"application/octet-stream": OpenApiTypes.BINARY},
        responses={201: shapes.ImportedSerializer, **PARTNER_WRITE_ERRORS},
        tags=["partner"],
    )
    def post(self, request: Request) -> Response:
        data: Any = request.data
        body = data if isinstance(data, bytes) else b""
        incoming.receive_referral(body, partner(request), by_partner=True)
        return Response(
            {"package_sha256": hashlib.sha256(body).hexdigest(), "queued": True},
            status=status.HTTP_201_CREATED,
        )


class Identity(PartnerView):
    @extend_schema(
        operation_id="partner_identity_retrieve",
        summary="This installation's age public key and its fingerprint",
        responses={200: shapes.InstallationKeySerializer, **READ_ERRORS},
        tags=["partner"],
    )
    def get(self, request: Request) -> Response:
        partner(request)
        key = partner_side.installation_key()
        return Response(
            shapes.InstallationKeySerializer(
                {"recipient": key.recipient, "fingerprint": key.fingerprint}
            ).data
        )
