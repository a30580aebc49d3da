"""Request bodies for the referral API tests, built from the contract's example."""

from __future__ import annotations

import copy
import datetime as dt

from referrals.api.docs import REFERRAL_EXAMPLE

_DELETE = object()


def referral_payload(**changes) -> dict:
    """The contract's example, with ``path__to__field=value`` changes (``DELETE`` removes)."""
    body = copy.deepcopy(REFERRAL_EXAMPLE)
    for dotted, value in changes.items():
        *parents, leaf = dotted.split("__")
        node = body
        for key in parents:
            node = node.setdefault(key, {})
        if value is _DELETE:
            node.pop(leaf, None)
        else:
            node[leaf] = value
    return body


DELETE = _DELETE


def court_result_payload(**changes) -> dict:
    body = {
        "source_reference": "WCU-2026-000731",
        "crime_reference": "35/12345/26",
        "hearing_date": dt.date(2026, 11, 28).isoformat(),
        "court": "Peterborough Magistrates' Court",
        "result": "Guilty plea; sentencing adjourned",
        "next_hearing_date": "2026-12-11",
    }
    body.update(changes)
    return body
