"""The Hub's URLs plus one plain Django view: the ceiling the referral API is compared with.

The plain view parses the same JSON body and inserts one row into
``bench_plain_referral`` (made by ``bench.run``) with one INSERT in autocommit: no
serializer, no service, no authentication. It exists only under ``bench.settings``.
"""

import json

from django.db import connection
from django.http import JsonResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

PLAIN_INSERT = """
INSERT INTO bench_plain_referral (
    source_reference, crime_reference, offence_code, offence_description, occurred_on,
    reported_on, area, given_name, family_name, date_of_birth, phone, email, postcode,
    needs_support, domestic_abuse, consent_basis, safe_contact, ivna
) VALUES (
    %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s::jsonb, %s::jsonb
) RETURNING id
"""


def plain_row(body: dict) -> list:
    """One referral body flattened to ``bench_plain_referral``'s columns (COPY uses it too)."""
    crime, victim, ivna = body["crime"], body["victim"], body["ivna"]
    return [
        body["source_reference"],
        crime["reference"],
        crime["offence_code"],
        crime.get("offence_description", ""),
        crime.get("occurred_on"),
        crime["reported_on"],
        crime.get("area", ""),
        victim["given_name"],
        victim["family_name"],
        victim.get("date_of_birth"),
        victim.get("phone", ""),
        victim.get("email", ""),
        victim.get("address", {}).get("postcode", ""),
        ivna["needs_support"],
        bool(ivna.get("domestic_abuse")),
        body["consent"]["basis"],
        json.dumps(victim.get("safe_contact", {})),
        json.dumps(ivna),
    ]


@csrf_exempt
@require_POST
def plain_referral(request):
    body = json.loads(request.body)
    with connection.cursor() as cursor:
        cursor.execute(PLAIN_INSERT, plain_row(body))
        (row_id,) = cursor.fetchone()
    return JsonResponse({"id": row_id, "source_reference": body["source_reference"]}, status=201)


urlpatterns = [
    path("bench/plain-referral/", plain_referral, name="bench-plain-referral"),
    path("", include("hub.urls")),
]
