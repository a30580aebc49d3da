"""The ADT batch: up to 500 referrals, each accepted or rejected on its own.

Each item is validated and checked exactly as a single referral is. The new ones are
then written together by ``referrals.intake.write_referrals``, the writer single
referrals use too, in a few statements a part of the batch, whatever its size. If a
concurrent request took one of the batch's source references meanwhile, the database's
unique constraint stops the set-based write and the batch falls back to the single path,
item by item, which answers each race exactly once. So does a batch PostgreSQL rolls
back to end a deadlock (another batch locking some of the same people or crimes in
another order): nothing of it was written, and each item is then written on its own.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, OperationalError, transaction

from hub.errors import ConsentRequired, IdempotencyConflict
from hub.sql import deadlocked
from referrals.inputs import ReferralInput
from referrals.intake import IntakeItem, write_referrals
from referrals.models import ApiClient, Referral
from referrals.people import offence_table
from referrals.submissions import check_consent, referral_body, request_hash, submit_referral


@dataclass
class Item:
    index: int
    payload: dict
    data: ReferralInput
    digest: str


@dataclass(frozen=True)
class ItemResult:
    """One item's answer: an HTTP status, and the referral body or the errors."""

    status: int
    body: dict | None = None
    errors: list[dict] | None = None


def submit_batch(
    client: ApiClient, items: list[tuple[int, dict, ReferralInput]], *, now: dt.datetime
) -> dict[int, ItemResult]:
    """Record the batch's valid items exactly once each; answer per item index."""
    offences = offence_table()
    results: dict[int, ItemResult] = {}
    candidates: list[Item] = []
    for index, payload, data in items:
        try:
            check_consent(client, data, offences)
        except ConsentRequired as exc:
            results[index] = ItemResult(422, errors=[{"pointer": exc.pointer, "detail": str(exc)}])
            continue
        candidates.append(Item(index, payload, data, request_hash(payload)))

    references = [c.data.source_reference for c in candidates]
    earlier = {
        ref: (digest, body)
        for ref, digest, body in Referral.objects.filter(
            api_client=client, source_reference__in=references
        ).values_list("source_reference", "request_hash", "response_body")
    }
    new: dict[str, Item] = {}
    repeats: list[Item] = []
    for item in candidates:
        ref = item.data.source_reference
        if ref in earlier:
            results[item.index] = _replay(earlier[ref][0], item.digest, earlier[ref][1])
        elif ref in new:
            repeats.append(item)
        else:
            new[ref] = item

    bodies: dict[str, dict] = {}
    if new:
        try:
            with transaction.atomic():
                written = write_referrals(
                    client.force,
                    [IntakeItem(item.data, item.digest) for item in new.values()],
                    now=now,
                    api_client=client,
                    answer=referral_body,
                )
                bodies = {r.source_reference: r.response_body for r in written}
        except (IntegrityError, OperationalError) as error:
            # Someone else took one of these references, or the batch gave way to another
            # intake locking the same people or crimes in another order (and was rolled
            # back): each item is answered one by one.
            if isinstance(error, OperationalError) and not deadlocked(error):
                raise
            for item in new.values():
                try:
                    outcome = submit_referral(
                        client, item.payload, item.data, source=item.data.source, now=now
                    )
                except IdempotencyConflict as exc:
                    results[item.index] = _conflict(str(exc))
                    continue
                bodies[item.data.source_reference] = outcome.body
                results[item.index] = ItemResult(201 if outcome.created else 200, outcome.body)
    for ref, item in new.items():
        results.setdefault(item.index, ItemResult(201, bodies[ref]))
    for item in repeats:
        first = new[item.data.source_reference]
        results[item.index] = _replay(
            first.digest, item.digest, bodies.get(first.data.source_reference)
        )
    return results


def _replay(stored_digest: str, digest: str, body: dict | None) -> ItemResult:
    if stored_digest != digest or body is None:
        return _conflict(
            "This source_reference was already used for a different referral; "
            "send a new source_reference for a new one."
        )
    return ItemResult(200, body)


def _conflict(detail: str) -> ItemResult:
    return ItemResult(409, errors=[{"pointer": "/source_reference", "detail": detail}])
