"""Volunteers: their profiles, matching them to a case, their assignments and contacts.

A volunteer sees a case only through a live assignment, and then only what the
assignment needs (``ASSIGNMENT_FIELDS``); they never reach the case page.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf.locale import LANG_INFO
from django.db import IntegrityError, transaction
from django.db.models import Count, Q

from casework.models import Case, CaseEventKind, CaseState
from casework.services import log_case_event
from casework.volunteer_models import Volunteer, VolunteerAssignment, VolunteerContact
from hub.audit import AuditAction
from hub.errors import PermissionRefused, VolunteerRefused
from hub.roles import Role

# What a volunteer is shown of the victim on an assignment: enough to arrange and make
# a visit safely, nothing of the crime's record, the assessment's notes or the timeline.
ASSIGNMENT_FIELDS = [
    "given_name",
    "phone",
    "preferred_language",
    "safe_contact",
    "area",
    "brief",
]

MATCHABLE_STATES = (CaseState.ASSESSMENT, CaseState.SUPPORT)


def language_name(code: str) -> str:
    info = LANG_INFO.get(code) or LANG_INFO.get(code.split("-")[0])
    return info["name"] if info else code


def save_volunteer_profile(user, *, data: dict, by) -> Volunteer:
    """Create or update a volunteer's profile; only a manager of their force may."""
    if not by.has_role(Role.MANAGER) or by.force_id != user.force_id:
        raise PermissionRefused("Only a manager of the volunteer's force keeps their profile.")
    if not user.has_role(Role.VOLUNTEER):
        raise VolunteerRefused(f"{user.display_name} is not a volunteer.")
    volunteer, _ = Volunteer.objects.update_or_create(user=user, defaults=data)
    return volunteer


def live_load() -> Count:
    return Count("assignments", filter=Q(assignments__ended_at__isnull=True))


@dataclass(frozen=True)
class Match:
    volunteer: Volunteer
    speaks: bool
    covers_area: bool
    free: int

    @property
    def reasons(self) -> list[str]:
        reasons = []
        if self.speaks:
            reasons.append("speaks the victim's language")
        if self.covers_area:
            reasons.append("covers the area")
        reasons.append(f"{self.free} place{'s' if self.free != 1 else ''} free")
        return reasons


def case_language(case: Case) -> str:
    """The victim's language as a code, or '' for English."""
    code = (case.person.preferred_language or "en").split("-")[0].lower()
    return "" if code == "en" else code


def matches(case: Case, *, today: dt.date) -> list[Match]:
    """Volunteers of the case's force who could take it: vetted and trained in date, with
    a free place; those speaking the victim's language first, then those covering the
    crime's area, then the most free places."""
    language = case_language(case)
    area = case.referral.crime.area
    volunteers = (
        Volunteer.objects.filter(
            user__force_id=case.force_id,
            user__is_active=True,
            vetted_until__gte=today,
            trained_until__gte=today,
        )
        .exclude(assignments__case=case, assignments__ended_at__isnull=True)
        .select_related("user")
        .annotate(load=live_load())
    )
    found = []
    for volunteer in volunteers:
        free = volunteer.capacity - volunteer.load
        if free <= 0:
            continue
        found.append(
            Match(
                volunteer,
                speaks=bool(language) and language in volunteer.languages,
                covers_area=not volunteer.areas or area in volunteer.areas,
                free=free,
            )
        )
    found.sort(key=lambda m: (not m.speaks, not m.covers_area, -m.free, str(m.volunteer)))
    return found


def assign_volunteer(
    case: Case, *, volunteer: Volunteer, brief: str, by, now: dt.datetime
) -> VolunteerAssignment:
    """Match a volunteer to a case; refused when they are out of date, full, of another
    force, or the case is not being supported. Their place is counted under a lock, so two
    co-ordinators cannot fill the last place twice."""
    brief = brief.strip()
    if not brief:
        raise VolunteerRefused("Say what the volunteer is to help with.")
    if case.state not in MATCHABLE_STATES:
        raise VolunteerRefused("A volunteer is matched once the victim is being assessed.")
    with transaction.atomic():
        locked = Volunteer.objects.select_for_update().select_related("user").get(pk=volunteer.pk)
        if locked.user.force_id != case.force_id or not locked.user.is_active:
            raise VolunteerRefused(f"{locked} does not volunteer for this force.")
        if not locked.in_date(now.date()):
            raise VolunteerRefused(f"{locked}'s vetting or training has expired.")
        load = locked.assignments.filter(ended_at__isnull=True).count()
        if load >= locked.capacity:
            raise VolunteerRefused(f"{locked} has no free place ({load} of {locked.capacity}).")
        try:
            with transaction.atomic():
                assignment = VolunteerAssignment.objects.create(
                    case=case, volunteer=locked, brief=brief, started_at=now, started_by=by
                )
        except IntegrityError as exc:
            raise VolunteerRefused(f"{locked} is already supporting this victim.") from exc
        log_case_event(
            case,
            kind=CaseEventKind.VOLUNTEER,
            reason=f"Volunteer {locked} matched: {brief}",
            by=by,
            now=now,
            detail={"assignment": assignment.pk},
            audit_action=AuditAction.DISCLOSURE,
            object_type="volunteer_assignment",
            object_id=assignment.pk,
            fields=ASSIGNMENT_FIELDS,
            recipient=f"Volunteer {locked}",
        )
    return assignment


def end_assignment(assignment: VolunteerAssignment, *, by, now: dt.datetime) -> None:
    """End a volunteer's assignment: they no longer see the case."""
    with transaction.atomic():
        if not VolunteerAssignment.objects.filter(pk=assignment.pk, ended_at__isnull=True).update(
            ended_at=now, ended_by=by, updated_at=now
        ):
            return
        log_case_event(
            assignment.case,
            kind=CaseEventKind.VOLUNTEER,
            reason=f"Volunteer {assignment.volunteer} no longer supporting the victim.",
            by=by,
            now=now,
            detail={"assignment": assignment.pk},
            audit_action=AuditAction.ALTERATION,
            object_type="volunteer_assignment",
            object_id=assignment.pk,
            fields=["ended_at"],
        )


def end_assignments_of(case: Case, *, by, now: dt.datetime) -> None:
    """A closed case is no volunteer's any more."""
    for assignment in case.volunteer_assignments.filter(ended_at__isnull=True).select_related(
        "volunteer__user"
    ):
        end_assignment(assignment, by=by, now=now)


def assignments_of(user):
    """A volunteer's live assignments: the only cases they see."""
    return (
        VolunteerAssignment.objects.filter(volunteer__user=user, ended_at__isnull=True)
        .select_related("case__person", "case__referral__crime")
        .order_by("-started_at")
    )


def record_volunteer_contact(
    assignment: VolunteerAssignment, *, on: dt.date, kind: str, minutes: int, note: str, by, now
) -> VolunteerContact:
    """A volunteer records a contact with the victim and the time it took; only on their
    own live assignment, and never in the future."""
    if assignment.volunteer.user_id != by.pk or assignment.ended_at is not None:
        raise PermissionRefused("Only the volunteer on a live assignment records its contacts.")
    if on > now.date():
        raise VolunteerRefused("A contact is recorded once it has happened.")
    with transaction.atomic():
        contact = VolunteerContact.objects.create(
            assignment=assignment,
            on=on,
            kind=kind,
            minutes=minutes,
            note=note.strip(),
            recorded_at=now,
        )
        log_case_event(
            assignment.case,
            kind=CaseEventKind.VOLUNTEER,
            reason=f"{by.display_name}: {contact.get_kind_display().lower()} on "
            f"{on:%-d %B %Y}, {minutes} minutes." + (f" {note.strip()}" if note.strip() else ""),
            by=by,
            now=now,
            detail={"assignment": assignment.pk, "contact": contact.pk},
            audit_action=AuditAction.COLLECTION,
            object_type="volunteer_contact",
            object_id=contact.pk,
            fields=["contact"],
        )
    return contact


def erase_volunteer_notes(case: Case) -> list[str]:
    """Blank the briefs of the case's volunteer assignments and the notes of their
    contacts, keeping dates, kinds and minutes for the reports. For
    ``casework.retention`` only."""
    VolunteerAssignment.objects.filter(case=case).update(brief="")
    VolunteerContact.objects.filter(assignment__case=case).update(note="")
    return ["volunteer.brief", "volunteer.contacts"]
