"""Volunteers: the force's list and profiles, matching one to a case, and the volunteer's
own pages, where they see only their assignments and record contacts and hours."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Sum
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from casework import volunteers as service
from casework.plan_forms import AssignVolunteerForm, VolunteerContactForm, VolunteerProfileForm
from casework.views.cases import visible_case
from casework.volunteer_models import Volunteer, VolunteerAssignment
from hub import audit
from hub.audit import AuditAction
from hub.calendar import local_date
from hub.errors import DomainError
from hub.models import User
from hub.roles import CASE_ROLES, Role

# Warn this many days before a volunteer's vetting or training runs out.
EXPIRY_WARNING_DAYS = 30


def _case_staff(request) -> None:
    if not request.user.force_id or not (CASE_ROLES & request.user.role_names):
        raise Http404("No such page.")


@login_required
@require_GET
def volunteer_list(request):
    """The force's volunteers: languages, areas, vetting and training expiry, capacity
    and how many victims each supports now."""
    _case_staff(request)
    today = local_date(timezone.now())
    people = (
        User.objects.filter(force_id=request.user.force_id, groups__name=Role.VOLUNTEER)
        .select_related("volunteer")
        .order_by("last_name", "first_name")
    )
    loads = dict(
        Volunteer.objects.filter(user__force_id=request.user.force_id)
        .annotate(load=service.live_load())
        .values_list("pk", "load")
    )
    rows = []
    for person in people:
        profile = getattr(person, "volunteer", None)
        rows.append(
            {
                "user": person,
                "profile": profile,
                "languages": [service.language_name(c) for c in profile.languages]
                if profile
                else [],
                "load": loads.get(profile.pk, 0) if profile else 0,
                "expiring": profile is not None
                and min(profile.vetted_until, profile.trained_until)
                <= today + dt.timedelta(days=EXPIRY_WARNING_DAYS),
                "expired": profile is not None and not profile.in_date(today),
            }
        )
    return render(
        request,
        "casework/volunteers.html",
        {"rows": rows, "is_manager": request.user.has_role(Role.MANAGER)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def volunteer_profile(request, pk):
    """A manager keeps a volunteer's profile."""
    if not request.user.has_role(Role.MANAGER):
        raise Http404("No such page.")
    person = get_object_or_404(
        User.objects.select_related("volunteer"),
        pk=pk,
        force_id=request.user.force_id,
        groups__name=Role.VOLUNTEER,
    )
    profile = getattr(person, "volunteer", None)
    if request.method == "POST":
        form = VolunteerProfileForm(request.POST)
        if form.is_valid():
            try:
                service.save_volunteer_profile(person, data=form.cleaned_data, by=request.user)
            except DomainError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, f"{person.display_name}'s profile saved.")
                return redirect("volunteers")
    else:
        initial = (
            {
                "languages": ", ".join(profile.languages),
                "areas": ", ".join(profile.areas),
                "vetted_until": profile.vetted_until,
                "trained_until": profile.trained_until,
                "capacity": profile.capacity,
            }
            if profile
            else {"capacity": 2}
        )
        form = VolunteerProfileForm(initial=initial)
    return render(request, "casework/volunteer_profile.html", {"person": person, "form": form})


@login_required
@require_GET
def case_volunteer(request, reference):
    """The volunteers who could support this victim, best matched first."""
    case = visible_case(request, reference)
    now = timezone.now()
    return render(
        request,
        "casework/case_volunteer.html",
        {
            "case": case,
            "language": service.language_name(service.case_language(case))
            if service.case_language(case)
            else "",
            "area": case.referral.crime.area,
            "matches": service.matches(case, today=local_date(now)),
            "live": list(
                case.volunteer_assignments.filter(ended_at__isnull=True).select_related(
                    "volunteer__user"
                )
            ),
            "form": AssignVolunteerForm(),
        },
    )


@login_required
@require_POST
def case_assign_volunteer(request, reference):
    case = visible_case(request, reference)
    form = AssignVolunteerForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("case-volunteer", reference=case.reference)
    volunteer = get_object_or_404(
        Volunteer, pk=form.cleaned_data["volunteer"], user__force_id=case.force_id
    )
    try:
        service.assign_volunteer(
            case,
            volunteer=volunteer,
            brief=form.cleaned_data["brief"],
            by=request.user,
            now=timezone.now(),
        )
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect("case-volunteer", reference=case.reference)
    messages.success(request, f"{volunteer} is now supporting the victim.")
    return redirect("case-plan", reference=case.reference)


@login_required
@require_POST
def case_end_volunteer(request, reference, pk):
    case = visible_case(request, reference)
    assignment = get_object_or_404(VolunteerAssignment, pk=pk, case=case)
    service.end_assignment(assignment, by=request.user, now=timezone.now())
    messages.success(request, "The volunteer's assignment has ended.")
    return redirect("case-volunteer", reference=case.reference)


# The volunteer's own pages.


def _volunteer(request) -> None:
    if not request.user.has_role(Role.VOLUNTEER):
        raise Http404("No such page.")


@login_required
@require_GET
def my_assignments(request):
    """A volunteer's live assignments: the victims they support, and nothing else."""
    _volunteer(request)
    assignments = list(service.assignments_of(request.user))
    return render(request, "casework/my_assignments.html", {"assignments": assignments})


def _own_assignment(request, pk) -> VolunteerAssignment:
    assignment = service.assignments_of(request.user).filter(pk=pk).first()
    if assignment is None:
        raise Http404("No such assignment.")
    return assignment


@login_required
@require_http_methods(["GET", "POST"])
def assignment_detail(request, pk):
    """One assignment: what the volunteer needs to support the victim, and their contacts."""
    _volunteer(request)
    assignment = _own_assignment(request, pk)
    case = assignment.case
    now = timezone.now()
    if request.method == "POST":
        form = VolunteerContactForm(request.POST)
        if form.is_valid():
            try:
                service.record_volunteer_contact(
                    assignment, by=request.user, now=now, **form.cleaned_data
                )
            except DomainError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, "Contact recorded.")
                return redirect("assignment-detail", pk=assignment.pk)
    else:
        form = VolunteerContactForm(initial={"on": local_date(now)})
        audit.for_case(
            AuditAction.CONSULTATION,
            case,
            by=request.user,
            object_type="volunteer_assignment",
            object_id=assignment.pk,
            fields=service.ASSIGNMENT_FIELDS,
            at=now,
        )
    contacts = list(assignment.contacts.all())
    return render(
        request,
        "casework/assignment_detail.html",
        {
            "assignment": assignment,
            "person": case.person,
            "case": case,
            "language": service.language_name(case.person.preferred_language),
            "area": case.referral.crime.area,
            "contacts": contacts,
            "minutes": assignment.contacts.aggregate(total=Sum("minutes"))["total"] or 0,
            "form": form,
        },
    )
