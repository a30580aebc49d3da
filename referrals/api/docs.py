"""The OpenAPI description of each endpoint: request, every response and an example of each.

An integrator builds against the served document alone, so every status code the API
can answer is documented here with an example body.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    inline_serializer,
)
from rest_framework import serializers

from referrals.api.serializers import (
    CourtResultRequestSerializer,
    CourtResultResponseSerializer,
    ReferralRequestSerializer,
    ReferralResponseSerializer,
    ReferralStatusSerializer,
)


class PointerError(serializers.Serializer):
    """One invalid field. Instantiate at each use: DRF binds a field to one place."""

    pointer = serializers.CharField(help_text="RFC 6901 JSON pointer into the request body.")
    detail = serializers.CharField()


Problem = inline_serializer(
    name="Problem",
    fields={
        "type": serializers.CharField(help_text="A URI naming the kind of problem."),
        "title": serializers.CharField(),
        "status": serializers.IntegerField(),
        "detail": serializers.CharField(),
        "errors": serializers.ListField(child=PointerError(), required=False),
    },
)


PROBLEM_MEDIA = "application/problem+json"


def with_problem_media(responses: dict) -> dict:
    """Errors are served as problem+json: say so for every 4xx in the document."""
    return {(code, PROBLEM_MEDIA) if code >= 400 else code: r for code, r in responses.items()}


def problem_example(status: int, slug: str, title: str, detail: str, errors=None) -> OpenApiExample:
    value = {
        "type": f"urn:victims-hub:problem:{slug}",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if errors:
        value["errors"] = errors
    return OpenApiExample(
        f"{status} {title}", value=value, response_only=True, status_codes=[str(status)]
    )


def problem_response(status, slug, title, detail, description, errors=None) -> OpenApiResponse:
    return OpenApiResponse(
        response=Problem,
        description=description,
        examples=[problem_example(status, slug, title, detail, errors)],
    )


REFERRAL_EXAMPLE = {
    "source_reference": "CAMBS-35-12345-26-V1",
    "crime": {
        "reference": "35/12345/26",
        "offence_code": "28/3",
        "offence_description": "Burglary - residential",
        "occurred_on": "2026-11-20",
        "reported_on": "2026-11-21",
        "area": "Peterborough",
        "officer_in_case": {"name": "PC 1234 Smith", "email": "oic@police.example"},
    },
    "victim": {
        "given_name": "Amira",
        "family_name": "Khan",
        "date_of_birth": "1984-03-02",
        "phone": "07700 900123",
        "email": "amira@example.org",
        "address": {"line1": "1 High Street", "town": "Peterborough", "postcode": "PE1 1AA"},
        "preferred_language": "ur",
        "preferred_contact": "phone",
        "safe_contact": {
            "voicemail": False,
            "post": True,
            "email": True,
            "lives_with_suspect": False,
            "safe_times": [{"days": "mon-fri", "from": "09:00", "to": "12:00"}],
        },
        "is_business": False,
    },
    "ivna": {
        "needs_support": True,
        "enhanced_entitlement": ["vulnerable"],
        "domestic_abuse": False,
        "dash_risk": None,
        "hate_crime": False,
        "repeat_victim": False,
        "notes": "Elderly, lives alone, very shaken.",
    },
    "consent": {"basis": "consent", "recorded_on": "2026-11-21"},
}
REFERRAL_ANSWER = {
    "id": "0b6d5f7e-2c55-4c61-9a4e-3f1f7f2e9d10",
    "case_reference": "VH-2026-000123",
    "status": "received",
    "priority": 2,
    "first_contact_due": "2026-11-25T20:00:00+00:00",
}

UNAUTHORIZED = problem_response(
    401,
    "unauthorized",
    "A valid bearer token is required",
    "The token is not valid, or has been revoked.",
    "No token, a bad token or a revoked one. The answer carries `WWW-Authenticate: Bearer`.",
)
TOO_MANY = problem_response(
    429,
    "too-many-requests",
    "Too many requests",
    "Request was throttled. Expected available in 1 second.",
    "Over this client's rate (50 requests a second by default). Wait `Retry-After` seconds.",
)
UNSUPPORTED = problem_response(
    415,
    "unsupported-media-type",
    "Send JSON (Content-Type: application/json)",
    'Unsupported media type "text/plain" in request.',
    "The body is not sent as application/json.",
)


def too_large(limit: str) -> OpenApiResponse:
    return problem_response(
        413,
        "payload-too-large",
        "Request body too large",
        f"The body may be at most {limit}.",
        f"The body is over {limit}.",
    )


def invalid(pointer: str, detail: str) -> OpenApiResponse:
    return problem_response(
        400,
        "validation",
        "Your request is not valid",
        "1 field(s) are not valid.",
        "Invalid, missing or unknown fields, one error each, with a JSON pointer; or a body "
        "that is not JSON.",
        errors=[{"pointer": pointer, "detail": detail}],
    )


DA_CONSENT = "Domestic-abuse victims are referred only with their explicit consent, never by ADT."
CONFLICT = problem_response(
    409,
    "conflict",
    "Conflict with an earlier request",
    "This source_reference was already used for a different referral; send a new "
    "source_reference for a new one.",
    "The same `source_reference` was sent before with a different body.",
)

CREATE_REFERRAL = {
    "operation_id": "create_referral",
    "summary": "Refer one victim of one crime",
    "description": (
        "Idempotent on `source_reference`: the same reference with the same body (compared as "
        "parsed JSON) answers 200 with the original answer and creates nothing; with a different "
        "body it is 409. The answer is sent only once the referral and its case are committed."
    ),
    "request": ReferralRequestSerializer,
    "examples": [OpenApiExample("A referral", value=REFERRAL_EXAMPLE, request_only=True)],
    "responses": {
        201: OpenApiResponse(
            ReferralResponseSerializer,
            "Accepted: a new referral and its case.",
            examples=[
                OpenApiExample(
                    "Created", value=REFERRAL_ANSWER, response_only=True, status_codes=["201"]
                )
            ],
        ),
        200: OpenApiResponse(
            ReferralResponseSerializer,
            "An identical replay: the original answer; nothing new was created.",
            examples=[
                OpenApiExample(
                    "Replay", value=REFERRAL_ANSWER, response_only=True, status_codes=["200"]
                )
            ],
        ),
        400: invalid("/victim/postcode", "Must be a UK postcode."),
        401: UNAUTHORIZED,
        409: CONFLICT,
        413: too_large("1 MiB"),
        415: UNSUPPORTED,
        422: problem_response(
            422,
            "consent-required",
            "Refused by a rule of the Hub",
            DA_CONSENT,
            "An `adt` referral the Victims' Code (or the force) allows only with explicit consent: "
            "domestic abuse, sexual offences, relatives bereaved by crime, and the force's own "
            "list.",
            errors=[
                {
                    "pointer": "/ivna/domestic_abuse",
                    "detail": DA_CONSENT,
                }
            ],
        ),
        429: TOO_MANY,
    },
}

BatchRequest = inline_serializer(
    name="ReferralBatch",
    fields={
        "referrals": serializers.ListField(
            child=ReferralRequestSerializer(), max_length=500, min_length=1
        )
    },
)
BatchItem = inline_serializer(
    name="ReferralBatchResult",
    fields={
        "http_status": serializers.ChoiceField(choices=[200, 201, 400, 409, 422]),
        "referral": ReferralResponseSerializer(required=False),
        "errors": serializers.ListField(child=PointerError(), required=False),
    },
)
BatchResponse = inline_serializer(
    name="ReferralBatchResults", fields={"results": serializers.ListField(child=BatchItem)}
)

BATCH = {
    "operation_id": "create_referral_batch",
    "summary": "The daily ADT batch: up to 500 referrals",
    "description": (
        "Each item is accepted or rejected on its own, exactly as if posted singly; the answer "
        "has one result per item, in order. Errors point into the batch (`/referrals/3/...`). "
        "More than 500 items, or a body not of this shape, is rejected whole with 400."
    ),
    "request": BatchRequest,
    "examples": [
        OpenApiExample("A batch", value={"referrals": [REFERRAL_EXAMPLE]}, request_only=True)
    ],
    "responses": {
        207: OpenApiResponse(
            BatchResponse,
            "One result per item, in order.",
            examples=[
                OpenApiExample(
                    "Results",
                    status_codes=["207"],
                    response_only=True,
                    value={
                        "results": [
                            {"http_status": 201, "referral": REFERRAL_ANSWER},
                            {
                                "http_status": 400,
                                "errors": [
                                    {
                                        "pointer": "/referrals/1/victim/postcode",
                                        "detail": "Must be a UK postcode.",
                                    }
                                ],
                            },
                        ]
                    },
                )
            ],
        ),
        400: invalid("/referrals", "Ensure this field has no more than 500 elements."),
        401: UNAUTHORIZED,
        413: too_large("5 MiB"),
        415: UNSUPPORTED,
        429: TOO_MANY,
    },
}

STATUS = {
    "operation_id": "get_referral_status",
    "summary": "Read back the public status of one of your referrals",
    "description": "Only this client's referrals; another's id answers 404. No personal data.",
    "parameters": [OpenApiParameter("referral_id", OpenApiTypes.UUID, OpenApiParameter.PATH)],
    "responses": {
        200: OpenApiResponse(
            ReferralStatusSerializer,
            "The referral's public status.",
            examples=[
                OpenApiExample(
                    "Status",
                    response_only=True,
                    status_codes=["200"],
                    value={
                        "id": REFERRAL_ANSWER["id"],
                        "case_reference": "VH-2026-000123",
                        "status": "in_progress",
                        "updated_at": "2026-11-24T10:15:00+00:00",
                    },
                )
            ],
        ),
        401: UNAUTHORIZED,
        404: problem_response(
            404,
            "not-found",
            "Not found",
            "No referral of yours has that id.",
            "No referral of this client has that id.",
        ),
        429: TOO_MANY,
    },
}

COURT_RESULT = {
    "operation_id": "create_court_result",
    "summary": "A hearing result, to be passed on to the crime's victims",
    "description": (
        "Any client of the force may post results for a crime the Hub holds for that force. The "
        "Hub must tell each victim by the next working day (enhanced entitlement) or within five "
        "working days. Idempotent on `source_reference` as referrals are."
    ),
    "request": CourtResultRequestSerializer,
    "examples": [
        OpenApiExample(
            "A result",
            request_only=True,
            value={
                "source_reference": "WCU-2026-000731",
                "crime_reference": "35/12345/26",
                "hearing_date": "2026-11-28",
                "court": "Peterborough Magistrates' Court",
                "result": "Guilty plea; sentencing adjourned",
                "next_hearing_date": "2026-12-11",
            },
        )
    ],
    "responses": {
        201: OpenApiResponse(
            CourtResultResponseSerializer,
            "Accepted.",
            examples=[
                OpenApiExample(
                    "Created",
                    response_only=True,
                    status_codes=["201"],
                    value={
                        "id": "5d0f3c1e-8f0a-4a57-9d8e-6b8e4c2f1a77",
                        "source_reference": "WCU-2026-000731",
                        "crime_reference": "35/12345/26",
                        "victims_to_tell": 1,
                    },
                )
            ],
        ),
        200: OpenApiResponse(
            CourtResultResponseSerializer,
            "An identical replay: the original answer.",
            examples=[
                OpenApiExample(
                    "Replay",
                    response_only=True,
                    status_codes=["200"],
                    value={
                        "id": "5d0f3c1e-8f0a-4a57-9d8e-6b8e4c2f1a77",
                        "source_reference": "WCU-2026-000731",
                        "crime_reference": "35/12345/26",
                        "victims_to_tell": 1,
                    },
                )
            ],
        ),
        400: invalid("/hearing_date", "Must be a real date written YYYY-MM-DD."),
        401: UNAUTHORIZED,
        404: problem_response(
            404,
            "not-found",
            "Not found",
            "The Hub holds no crime '35/99999/26' for CAMBS.",
            "The Hub holds no crime with that reference for this client's force.",
        ),
        409: problem_response(
            409,
            "conflict",
            "Conflict with an earlier request",
            "This source_reference was already used for a different court result.",
            "The same `source_reference` was sent before with a different body.",
        ),
        413: too_large("1 MiB"),
        415: UNSUPPORTED,
        429: TOO_MANY,
    },
}


for _endpoint in (CREATE_REFERRAL, BATCH, STATUS, COURT_RESULT):
    _endpoint["responses"] = with_problem_media(_endpoint["responses"])
