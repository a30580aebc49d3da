"""The referral API for police systems. Each view validates, calls one service, answers."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from hub import audit
from hub.api import Conflict, PayloadTooLarge, RuleRefused, flatten_errors, json_pointer
from hub.audit import AuditAction
from hub.errors import ConsentRequired, IdempotencyConflict, UnknownCrime
from hub.memory import collection_paused
from referrals.api import docs
from referrals.api.serializers import (
    CourtResultRequestSerializer,
    batch_items,
    referral_input_from,
    validate_referrals,
)
from referrals.batch import submit_batch
from referrals.models import Referral, ReferralSource
from referrals.submissions import public_status, submit_court_result, submit_referral


class LimitedBodyMixin:
    """Refuse a body over this path's limit with 413 before parsing it."""

    max_body_bytes = settings.API_MAX_BODY_BYTES

    def initial(self, request, *args, **kwargs):
        declared = request.META.get("CONTENT_LENGTH") or "0"
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            raise PayloadTooLarge(f"The body may be at most {self.max_body_bytes} bytes.")
        super().initial(request, *args, **kwargs)
        if len(request.body) > self.max_body_bytes:
            raise PayloadTooLarge(f"The body may be at most {self.max_body_bytes} bytes.")


def _accept_one(request, payload, *, source) -> tuple[int, dict]:
    ((_, data, errors),) = validate_referrals([payload])
    if errors is not None:
        raise ValidationError(errors)
    try:
        outcome = submit_referral(
            request.user,
            payload,
            referral_input_from(data, source=source),
            source=source,
            now=timezone.now(),
        )
    except ConsentRequired as exc:
        raise RuleRefused(str(exc), pointer=exc.pointer) from exc
    except IdempotencyConflict as exc:
        raise Conflict(str(exc)) from exc
    return (status.HTTP_201_CREATED if outcome.created else status.HTTP_200_OK), outcome.body


class ReferralCreateView(LimitedBodyMixin, APIView):
    @extend_schema(**docs.CREATE_REFERRAL)
    def post(self, request):
        code, body = _accept_one(request, request.data, source=ReferralSource.POLICE_API)
        return Response(body, status=code)


class ReferralBatchView(LimitedBodyMixin, APIView):
    max_body_bytes = settings.API_MAX_BATCH_BODY_BYTES

    @extend_schema(**docs.BATCH)
    def post(self, request):
        with collection_paused():
            return self._answer(request)

    def _answer(self, request):
        items = batch_items(request.data)
        results: dict[int, dict] = {}
        valid = []
        for index, data, errors in validate_referrals(items):
            if errors is not None:
                results[index] = {"http_status": 400, "errors": flatten_errors(errors)}
            else:
                referral = referral_input_from(data, source=ReferralSource.ADT_BATCH)
                valid.append((index, items[index], referral))
        for index, outcome in submit_batch(request.user, valid, now=timezone.now()).items():
            if outcome.errors:
                results[index] = {"http_status": outcome.status, "errors": outcome.errors}
            else:
                results[index] = {"http_status": outcome.status, "referral": outcome.body}
        ordered = []
        for index in range(len(results)):
            result = results[index]
            prefix = json_pointer("referrals", index)
            for error in result.get("errors", []):
                error["pointer"] = prefix + error["pointer"]
            ordered.append(result)
        return Response({"results": ordered}, status=status.HTTP_207_MULTI_STATUS)


class ReferralStatusView(APIView):
    @extend_schema(**docs.STATUS)
    def get(self, request, referral_id):
        try:
            public_id = uuid.UUID(referral_id)
        except ValueError:
            public_id = None
        referral = (
            Referral.objects.visible_to(request.user)
            .select_related("case")
            .filter(public_id=public_id)
            .first()
            if public_id
            else None
        )
        if referral is None:
            raise NotFound("No referral of yours has that id.")
        case = referral.case
        audit.for_case(
            AuditAction.DISCLOSURE,
            case,
            by=request.user,
            object_type="referral",
            object_id=referral.pk,
            fields=["case_reference", "status", "updated_at"],
            recipient=request.user.audit_label,
            reason="Status read back through the API.",
        )
        return Response(
            {
                "id": str(referral.public_id),
                "case_reference": case.reference,
                "status": public_status(case.state),
                "updated_at": timezone.localtime(case.updated_at).isoformat(),
            }
        )


class CourtResultCreateView(LimitedBodyMixin, APIView):
    @extend_schema(**docs.COURT_RESULT)
    def post(self, request):
        serializer = CourtResultRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            outcome = submit_court_result(
                request.user, request.data, serializer.validated_data, now=timezone.now()
            )
        except UnknownCrime as exc:
            raise NotFound(str(exc)) from exc
        except IdempotencyConflict as exc:
            raise Conflict(str(exc)) from exc
        return Response(outcome.body, status=201 if outcome.created else 200)
