"""The demo's forces and staff: Cambridgeshire with Bedfordshire as a neighbour, and the team.

Demo sign-ins get the published demo password only in demo mode (``settings.DEMO_MODE``);
everyone else, and everyone outside demo mode, gets an unusable password, so a production
database can never hold a known password. Superusers are never changed or deleted.
"""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import Group
from django_otp.plugins.otp_totp.models import TOTPDevice

from casework.demo_data import TOWNS, StaffMember, staff_roster
from casework.demo_support import volunteer_profiles
from casework.volunteer_models import Volunteer
from hub.calendar import LONDON
from hub.demo import DEMO_API_CLIENT, DEMO_API_TOKEN, DEMO_TOTP_SECRET
from hub.models import Force, User
from hub.roles import Role
from referrals.models import ApiClient, hash_token

FORCES = {
    "CAMBS": {
        "name": "Cambridgeshire Constabulary",
        "hub_name": "Cambridgeshire Victim and Witness Hub",
        "hub_phone": "0800 952 3000",
        "hub_email": "victimhub@cambs.example.org",
    },
    "BEDS": {
        "name": "Bedfordshire Police",
        "hub_name": "Bedfordshire Victim Care",
        "hub_email": "victimcare@beds.example.org",
    },
}


@dataclass(frozen=True)
class Staff:
    users: dict[str, User]
    vccs: list[User]

    @property
    def manager(self) -> User:
        return self.users["manager"]


def ensure_forces() -> Force:
    """Cambridgeshire (the Hub's force) and Bedfordshire; existing forces are left as they are."""
    forces = {
        code: Force.objects.get_or_create(code=code, defaults=fields)[0]
        for code, fields in FORCES.items()
    }
    return forces["CAMBS"]


def ensure_staff(force: Force, *, as_of: dt.date, demo_password_hash: str | None) -> Staff:
    """Create or update the roster; demo sign-ins get ``demo_password_hash`` when given."""
    groups = {g.name: g for g in Group.objects.filter(name__in=[r.value for r in Role])}
    missing = sorted({m.role for m in staff_roster()} - set(groups))
    if missing:
        raise ValueError(f"Missing role groups {', '.join(missing)}: run the migrations first.")
    roster = staff_roster()
    existing = {
        u.username: u for u in User.objects.filter(username__in=[m.username for m in roster])
    }
    joined = dt.datetime.combine(as_of - dt.timedelta(days=400), dt.time(9), tzinfo=LONDON)
    users: dict[str, User] = {}
    for member in roster:
        user = existing.get(member.username)
        if user is not None and user.is_superuser:
            users[member.username] = user  # someone's own account: leave it alone
            continue
        user = _apply(user or User(username=member.username, date_joined=joined), member, force)
        demo = member.is_demo_sign_in and demo_password_hash
        if demo:
            # One hash for all demo sign-ins: hashing is slow on purpose.
            user.password = demo_password_hash
        else:
            user.set_unusable_password()
        user.save()
        user.groups.set([groups[member.role]])
        _set_demo_authenticator(user, demo=bool(demo))
        users[member.username] = user
    vccs = [users[m.username] for m in roster if m.role == Role.VCC]
    volunteer_profiles(users, roster, as_of=as_of, areas=sorted({town[1] for town in TOWNS}))
    return Staff(users=users, vccs=vccs)


def _apply(user: User, member: StaffMember, force: Force) -> User:
    user.first_name = member.first_name
    user.last_name = member.last_name
    user.email = f"{member.username}@hub.example.org"
    user.force = force
    user.job_title = member.job_title
    user.is_staff = member.is_staff
    user.is_active = True
    return user


def delete_seeded_staff() -> None:
    """Remove the roster's accounts, except any superuser that happens to share a name."""
    usernames = [m.username for m in staff_roster()]
    Volunteer.objects.filter(user__username__in=usernames, user__is_superuser=False).delete()
    User.objects.filter(username__in=usernames, is_superuser=False).delete()


def ensure_api_client(force: Force, *, demo_mode: bool, now: dt.datetime) -> ApiClient:
    """The force's crime-recording system, which sent the police and ADT referrals.

    Its token is the published demo token; outside demo mode the client is revoked, so
    the known token never works there.
    """
    client, _ = ApiClient.objects.update_or_create(
        name=DEMO_API_CLIENT,
        defaults={
            "force": force,
            "token_hash": hash_token(DEMO_API_TOKEN),
            "token_hint": DEMO_API_TOKEN[:10],
            "revoked_at": None if demo_mode else now,
            "rate_per_second": 50,
        },
    )
    return client


def _set_demo_authenticator(user: User, *, demo: bool) -> None:
    """Demo sign-ins share the published authenticator key; nobody else gets one here."""
    TOTPDevice.objects.filter(user=user).delete()
    if demo:
        key = base64.b32decode(DEMO_TOTP_SECRET).hex()
        TOTPDevice.objects.create(user=user, name="Demo authenticator", key=key, confirmed=True)
