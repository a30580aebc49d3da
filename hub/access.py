"""The access matrix: who may reach each URL, as the status they get.

One row per URL name (a namespace such as the admin's is one row); one column per kind of
principal: nobody signed in, each staff role (signed in with the second factor), and a
police system's API token. ``tests/hub/test_access_matrix.py`` requests every row as every
principal and checks the status, and fails for any URL that has no row here: a new page
or endpoint cannot ship without saying who may use it.

What a principal then sees on a page it may reach is narrowed further by each model's
``visible_to(user)`` (a restricted case only to the staff named on it; intake records only
to case roles of the same force; an API client only its own referrals).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hub.roles import Role

ANONYMOUS = "anonymous"
API_CLIENT = "api_client"
STAFF = tuple(role.value for role in Role)
PRINCIPALS = (ANONYMOUS, *STAFF, API_CLIENT)

SIGN_IN = 302  # sent to the sign-in page
UNAUTHORIZED = 401  # the API wants a bearer token
FORBIDDEN = 403
NOT_FOUND = 404
OK = 200
INVALID = 400  # reached, and the (empty) request refused as invalid


@dataclass(frozen=True)
class Row:
    """How to request the URL, and the status each principal gets."""

    method: str
    path: str
    expect: dict[str, int]
    body: dict | None = field(default=None)


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(PRINCIPALS, status)


def staff_only(staff: int = OK) -> dict[str, int]:
    return {**everyone(staff), ANONYMOUS: SIGN_IN, API_CLIENT: SIGN_IN}


def api(client: int) -> dict[str, int]:
    # Staff sessions do not open the token API: it is for police systems.
    return {**everyone(UNAUTHORIZED), API_CLIENT: client}


# The roles that work on cases with people's details in front of them.
CASE_WORK_OK = {role.value: OK for role in (Role.VCC, Role.CASEWORKER, Role.MANAGER)}

DASHBOARD_OK = {role.value: OK for role in (Role.MANAGER, Role.ANALYST)}

NO_REFERRAL = "00000000-0000-0000-0000-000000000000"
NO_CASE = "VH-2000-000000"

MATRIX: dict[str, Row] = {
    # Pages for people
    # A volunteer's work is their assignments: they are sent there.
    "my-work": Row("GET", "/", {**staff_only(), Role.VOLUNTEER.value: 302}),
    "my-assignments": Row(
        "GET", "/assignments/", {**staff_only(NOT_FOUND), Role.VOLUNTEER.value: OK}
    ),
    # An assignment is its volunteer's alone: any other is 404.
    "assignment-detail": Row("GET", "/assignments/0/", staff_only(NOT_FOUND)),
    # The force's volunteers: case roles see the list, managers keep the profiles.
    "volunteers": Row("GET", "/volunteers/", {**staff_only(NOT_FOUND), **CASE_WORK_OK}),
    "volunteer-profile": Row("GET", "/volunteers/0/", staff_only(NOT_FOUND)),
    # Finding a case, and entering a referral by hand: for the roles that work on cases.
    "search": Row("GET", "/search/", {**staff_only(NOT_FOUND), **CASE_WORK_OK}),
    "referral-new": Row("GET", "/referrals/new/", {**staff_only(NOT_FOUND), **CASE_WORK_OK}),
    # The services directory: the case roles refer victims on from it; administrators
    # keep it. A service of another force, or none, is 404 (tests/casework/
    # test_services_directory.py checks real services of each force for each role).
    "services": Row(
        "GET",
        "/services/",
        {**staff_only(NOT_FOUND), **CASE_WORK_OK, Role.ADMINISTRATOR.value: OK},
    ),
    "service-detail": Row("GET", "/services/0/", staff_only(NOT_FOUND)),
    # Case pages: 404 for a case the user may not reach (no id-guessing); the object-level
    # rules (restricted cases, other forces, roles without case work) are tested per case
    # in tests/casework/test_case_pages.py.
    "case-detail": Row("GET", f"/cases/{NO_CASE}/", staff_only(NOT_FOUND)),
    "case-record-call": Row("POST", f"/cases/{NO_CASE}/calls/", staff_only(NOT_FOUND)),
    "case-request-access": Row("POST", f"/cases/{NO_CASE}/access/", staff_only(NOT_FOUND)),
    "case-add-note": Row("POST", f"/cases/{NO_CASE}/notes/", staff_only(NOT_FOUND)),
    "case-disclose": Row("GET", f"/cases/{NO_CASE}/disclose/", staff_only(NOT_FOUND)),
    "case-details": Row("GET", f"/cases/{NO_CASE}/details/", staff_only(NOT_FOUND)),
    "case-prepare-subject-access": Row(
        "POST", f"/cases/{NO_CASE}/subject-access/", staff_only(NOT_FOUND)
    ),
    # A subject access request's content and exports: a manager of its force only.
    "subject-access-detail": Row("GET", "/subject-access/0/", staff_only(NOT_FOUND)),
    "subject-access-release": Row("POST", "/subject-access/0/release/", staff_only(NOT_FOUND)),
    "subject-access-pdf": Row("GET", "/subject-access/0/export.pdf", staff_only(NOT_FOUND)),
    "subject-access-json": Row("GET", "/subject-access/0/export.json", staff_only(NOT_FOUND)),
    "case-allocate": Row("POST", f"/cases/{NO_CASE}/allocate/", staff_only(NOT_FOUND)),
    "case-contact-made": Row("POST", f"/cases/{NO_CASE}/contact/", staff_only(NOT_FOUND)),
    "case-start-assessment": Row("POST", f"/cases/{NO_CASE}/assessment/", staff_only(NOT_FOUND)),
    "case-start-support": Row("POST", f"/cases/{NO_CASE}/support/", staff_only(NOT_FOUND)),
    "case-begin-closure": Row("POST", f"/cases/{NO_CASE}/closing/", staff_only(NOT_FOUND)),
    "case-close": Row("POST", f"/cases/{NO_CASE}/close/", staff_only(NOT_FOUND)),
    "case-reopen": Row("POST", f"/cases/{NO_CASE}/reopen/", staff_only(NOT_FOUND)),
    # The DVNA, the plan and matching a volunteer: pages of a case (an unknown one: 404).
    "case-dvna": Row("GET", f"/cases/{NO_CASE}/dvna/", staff_only(NOT_FOUND)),
    "case-dvna-start": Row("POST", f"/cases/{NO_CASE}/dvna/start/", staff_only(NOT_FOUND)),
    "case-dvna-complete": Row("POST", f"/cases/{NO_CASE}/dvna/complete/", staff_only(NOT_FOUND)),
    "case-dvna-step": Row("GET", f"/cases/{NO_CASE}/dvna/outcomes/", staff_only(NOT_FOUND)),
    "case-closing-outcomes": Row(
        "GET", f"/cases/{NO_CASE}/outcomes/closing/", staff_only(NOT_FOUND)
    ),
    "case-plan": Row("GET", f"/cases/{NO_CASE}/plan/", staff_only(NOT_FOUND)),
    "plan-add-goal": Row("POST", f"/cases/{NO_CASE}/plan/goals/", staff_only(NOT_FOUND)),
    "plan-goal-status": Row(
        "POST", f"/cases/{NO_CASE}/plan/goals/0/status/", staff_only(NOT_FOUND)
    ),
    "plan-add-action": Row(
        "POST", f"/cases/{NO_CASE}/plan/goals/0/actions/", staff_only(NOT_FOUND)
    ),
    "plan-action-done": Row(
        "POST", f"/cases/{NO_CASE}/plan/actions/0/done/", staff_only(NOT_FOUND)
    ),
    "plan-schedule-review": Row("POST", f"/cases/{NO_CASE}/plan/reviews/", staff_only(NOT_FOUND)),
    "plan-record-review": Row("POST", f"/cases/{NO_CASE}/plan/reviews/0/", staff_only(NOT_FOUND)),
    "plan-exit-strategy": Row("POST", f"/cases/{NO_CASE}/plan/exit/", staff_only(NOT_FOUND)),
    "plan-refer-onward": Row("POST", f"/cases/{NO_CASE}/plan/onward/", staff_only(NOT_FOUND)),
    "plan-onward-status": Row("POST", f"/cases/{NO_CASE}/plan/onward/0/", staff_only(NOT_FOUND)),
    "plan-start-cica": Row("POST", f"/cases/{NO_CASE}/plan/cica/", staff_only(NOT_FOUND)),
    "plan-update-cica": Row("POST", f"/cases/{NO_CASE}/plan/cica/update/", staff_only(NOT_FOUND)),
    "case-volunteer": Row("GET", f"/cases/{NO_CASE}/volunteer/", staff_only(NOT_FOUND)),
    "case-assign-volunteer": Row(
        "POST", f"/cases/{NO_CASE}/volunteer/assign/", staff_only(NOT_FOUND)
    ),
    "case-end-volunteer": Row("POST", f"/cases/{NO_CASE}/volunteer/0/end/", staff_only(NOT_FOUND)),
    "case-letter-pdf": Row("GET", f"/cases/{NO_CASE}/letters/0/pdf/", staff_only(NOT_FOUND)),
    # Managers answer requests to see restricted cases; to anyone else the pages are absent.
    "access-requests": Row(
        "GET", "/access-requests/", {**staff_only(NOT_FOUND), Role.MANAGER.value: OK}
    ),
    "access-grant": Row("POST", "/access-requests/0/grant/", staff_only(NOT_FOUND)),
    # Retention reviews and their decisions: a manager's (an unknown case: 404).
    "retention-reviews": Row(
        "GET", "/retention/", {**staff_only(NOT_FOUND), Role.MANAGER.value: OK}
    ),
    "retention-erase": Row("POST", f"/retention/{NO_CASE}/erase/", staff_only(NOT_FOUND)),
    "retention-hold": Row("POST", f"/retention/{NO_CASE}/hold/", staff_only(NOT_FOUND)),
    "retention-lift": Row("POST", f"/retention/{NO_CASE}/lift/", staff_only(NOT_FOUND)),
    # The audit log, and its export: managers only.
    "audit-log": Row("GET", "/audit/", {**staff_only(NOT_FOUND), Role.MANAGER.value: OK}),
    "audit-export": Row(
        "GET", "/audit/export.csv", {**staff_only(NOT_FOUND), Role.MANAGER.value: OK}
    ),
    # The dashboard and the commissioner's reports: a force's managers and analysts
    # (aggregates only, no personal data); the cases behind a figure: managers only.
    "dashboard": Row("GET", "/dashboard/", {**staff_only(NOT_FOUND), **DASHBOARD_OK}),
    "dashboard-headlines": Row(
        "GET", "/dashboard/headlines/", {**staff_only(NOT_FOUND), **DASHBOARD_OK}
    ),
    "dashboard-report": Row(
        "GET", "/dashboard/report.csv", {**staff_only(NOT_FOUND), **DASHBOARD_OK}
    ),
    # No figure named: a manager is asked to choose one (400).
    "dashboard-cases": Row(
        "GET", "/dashboard/cases/", {**staff_only(NOT_FOUND), Role.MANAGER.value: INVALID}
    ),
    "dashboard-report-run": Row("GET", "/dashboard/reports/0/", staff_only(NOT_FOUND)),
    "access-refuse": Row("POST", "/access-requests/0/refuse/", staff_only(NOT_FOUND)),
    "login": Row("GET", "/sign-in/", everyone(OK)),
    "verify": Row("GET", "/sign-in/verify/", staff_only()),
    # Staff who already have an authenticator are sent on to the code step.
    "set-up-authenticator": Row("GET", "/sign-in/set-up/", staff_only(302)),
    "logout": Row("POST", "/sign-out/", everyone(302)),
    "health": Row("GET", "/healthz/", everyone(OK)),
    # The admin signs in through the Hub; only administrators get in.
    None: Row("GET", "/admin/login/", everyone(302)),
    "admin:*": Row(
        "GET",
        "/admin/",
        {**everyone(302), Role.ADMINISTRATOR.value: OK},
    ),
    # The referral API, for police systems' tokens
    "api-referral-create": Row("POST", "/api/v1/referrals/", api(INVALID), body={}),
    "api-referral-batch": Row("POST", "/api/v1/referrals/batch/", api(INVALID), body={}),
    "api-referral-status": Row("GET", f"/api/v1/referrals/{NO_REFERRAL}/", api(NOT_FOUND)),
    "api-court-result-create": Row("POST", "/api/v1/court-results/", api(INVALID), body={}),
    # The API's description: for a token or any signed-in member of staff
    "api-schema": Row("GET", "/api/schema/", {**everyone(OK), ANONYMOUS: UNAUTHORIZED}),
    "api-docs": Row("GET", "/api/docs/", {**everyone(OK), ANONYMOUS: UNAUTHORIZED}),
}


# Object-level access: the case URLs on real cases, one column per principal again. Each
# scenario is a case the test builds in the principal's force (or another force), so that
# reaching someone else's object by its reference or id is checked for every principal:
# the outsider gets 404, never a hint. A restricted case not naming the user shows case
# roles its stub (200) and nothing else: no call can be recorded on it.
CASE_ROLE_NAMES = (Role.VCC.value, Role.CASEWORKER.value, Role.MANAGER.value)


def case_roles(status: int, others: int = NOT_FOUND) -> dict[str, int]:
    return {
        **staff_only(others),
        **dict.fromkeys(CASE_ROLE_NAMES, status),
    }


SCENARIOS = ("own_force", "other_force", "restricted")

OBJECT_MATRIX: dict[str, tuple[str, str, dict[str, dict[str, int]]]] = {
    # name: (method, path with {reference}, {scenario: {principal: status}})
    "case-detail": (
        "GET",
        "/cases/{reference}/",
        {
            "own_force": case_roles(OK),
            "other_force": staff_only(NOT_FOUND),
            "restricted": case_roles(OK),  # the stub
        },
    ),
    # An empty form: reached, and refused as invalid (400), where the user may act.
    "case-record-call": (
        "POST",
        "/cases/{reference}/calls/",
        {
            "own_force": case_roles(INVALID),
            "other_force": staff_only(NOT_FOUND),
            "restricted": staff_only(NOT_FOUND),
        },
    ),
    # Actions on the case: reached by case roles (and sent back to the case page with a
    # message, 302); absent for anyone else, and on a restricted case they may not see.
    **{
        name: (
            "POST",
            "/cases/{reference}/" + tail + "/",
            {
                "own_force": case_roles(302),
                "other_force": staff_only(NOT_FOUND),
                "restricted": staff_only(NOT_FOUND),
            },
        )
        for name, tail in (
            ("case-add-note", "notes"),
            ("case-contact-made", "contact"),
            ("case-start-assessment", "assessment"),
            ("case-start-support", "support"),
            ("case-begin-closure", "closing"),
            ("case-close", "close"),
            ("case-reopen", "reopen"),
        )
    },
    # The DVNA, the plan and the volunteers of a case: the same, on the case's own pages.
    **{
        name: (
            method,
            "/cases/{reference}/" + tail,
            {
                "own_force": case_roles(status),
                "other_force": staff_only(NOT_FOUND),
                "restricted": staff_only(NOT_FOUND),
            },
        )
        for name, method, tail, status in (
            ("case-dvna", "GET", "dvna/", OK),
            # No assessment is open on a new case: back to the overview.
            ("case-dvna-step", "GET", "dvna/outcomes/", 302),
            ("case-dvna-start", "POST", "dvna/start/", 302),
            ("case-dvna-complete", "POST", "dvna/complete/", 302),
            ("case-closing-outcomes", "GET", "outcomes/closing/", OK),
            ("case-plan", "GET", "plan/", OK),
            ("plan-add-goal", "POST", "plan/goals/", 302),
            ("plan-schedule-review", "POST", "plan/reviews/", 302),
            ("plan-exit-strategy", "POST", "plan/exit/", 302),
            ("plan-refer-onward", "POST", "plan/onward/", 302),
            ("plan-start-cica", "POST", "plan/cica/", 302),
            ("case-volunteer", "GET", "volunteer/", OK),
            ("case-assign-volunteer", "POST", "volunteer/assign/", 302),
        )
    },
    # Only a manager allocates.
    "case-allocate": (
        "POST",
        "/cases/{reference}/allocate/",
        {
            "own_force": {**staff_only(NOT_FOUND), Role.MANAGER.value: 302},
            "other_force": staff_only(NOT_FOUND),
            "restricted": staff_only(NOT_FOUND),
        },
    ),
    "case-request-access": (
        "POST",
        "/cases/{reference}/access/",
        {
            "own_force": case_roles(INVALID),
            "other_force": staff_only(NOT_FOUND),
            "restricted": case_roles(INVALID),
        },
    ),
    # A teammate's waiting request to see the restricted case: only a manager of the
    # force answers (and is sent back to the list).
    "access-grant": (
        "POST",
        "/access-requests/{access}/grant/",
        {
            "own_force": {**staff_only(NOT_FOUND), Role.MANAGER.value: 302},
            "other_force": staff_only(NOT_FOUND),
        },
    ),
}
