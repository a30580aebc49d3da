"""Intake records: the victim as a person, the crime report, the referral, offence types."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import unicodedata
import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone

from hub.models import Force, TimeStampedModel
from hub.roles import CASE_ROLES


class OffenceCategory(models.TextChoices):
    HOMICIDE = "homicide", "Homicide"
    VIOLENCE = "violence", "Violence against the person"
    SEXUAL = "sexual", "Sexual offences"
    ROBBERY = "robbery", "Robbery"
    BURGLARY = "burglary", "Burglary"
    VEHICLE = "vehicle", "Vehicle offences"
    THEFT = "theft", "Theft"
    CRIMINAL_DAMAGE = "criminal_damage", "Criminal damage and arson"
    FRAUD = "fraud", "Fraud"
    PUBLIC_ORDER = "public_order", "Public order"
    OTHER = "other", "Other"


class OffenceType(models.Model):
    """A Home Office offence class (``28``) or subclass (``56/1``), as reference data."""

    code = models.CharField(max_length=16, unique=True)
    description = models.CharField(max_length=200)
    category = models.CharField(max_length=20, choices=OffenceCategory.choices)
    most_serious = models.BooleanField(
        default=False, help_text="Victims' Code: victims of the most serious crime are enhanced."
    )

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.description}"

    @property
    def is_sexual(self) -> bool:
        return self.category == OffenceCategory.SEXUAL

    @staticmethod
    def lookup_keys(offence_code: str) -> list[str]:
        """Keys to try for a recorded code, most specific first: ``056/01`` → ``56/1``, ``56``."""
        cleaned = offence_code.strip().upper().replace(" ", "")
        match = re.match(r"^0*(\d+)([A-Z]?)(?:/0*(\d+))?", cleaned)
        if not match:
            return [cleaned]
        number, letter, sub = match.groups()
        keys = []
        if sub:
            keys.append(f"{number}/{sub}")
        if letter:
            keys.append(f"{number}{letter}")
        keys.append(number)
        return keys


class PersonKind(models.TextChoices):
    ADULT = "adult", "Adult"
    CHILD = "child", "Child (contact through a parent or guardian)"
    BUSINESS = "business", "Business (named contact)"


class ContactPreference(models.TextChoices):
    PHONE = "phone", "Phone"
    EMAIL = "email", "Email"
    LETTER = "letter", "Letter"
    SMS = "sms", "Text message"


def person_match_key(given_name: str, family_name: str, date_of_birth: dt.date | None) -> str:
    """The key on which people are linked automatically: same name and date of birth.

    Case, accents, spacing and punctuation are ignored; without a date of birth there is
    no key, and the person is never linked automatically.
    """
    if date_of_birth is None:
        return ""

    def fold(text: str) -> str:
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
        return re.sub(r"[^a-z]", "", text.lower())

    return f"{fold(family_name)}|{fold(given_name)}|{date_of_birth.isoformat()}"


class ForceRecordQuerySet(models.QuerySet):
    """Intake records: seen by staff in a case role, of their own force only."""

    def visible_to(self, user) -> ForceRecordQuerySet:
        if not user.is_authenticated or not (CASE_ROLES & user.role_names):
            return self.none()
        return self.filter(force_id=user.force_id) if user.force_id else self.none()


class Person(TimeStampedModel):
    """A victim. One person may be the victim of many crimes, each its own referral and case."""

    force = models.ForeignKey(Force, on_delete=models.PROTECT, related_name="people")
    kind = models.CharField(max_length=10, choices=PersonKind.choices, default=PersonKind.ADULT)
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    date_of_birth = models.DateField(null=True, blank=True)
    business_contact_name = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    address_line1 = models.CharField(max_length=200, blank=True)
    address_line2 = models.CharField(max_length=200, blank=True)
    town = models.CharField(max_length=100, blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    preferred_language = models.CharField(max_length=12, default="en")
    preferred_contact = models.CharField(
        max_length=10, choices=ContactPreference.choices, default=ContactPreference.PHONE
    )
    parent_guardian = models.JSONField(
        null=True,
        blank=True,
        help_text="For a child: name, relationship and at least one of phone, email, address.",
    )
    # Looked up with the force, by person_one_per_match_key.
    match_key = models.CharField(max_length=260, blank=True, editable=False)

    objects = ForceRecordQuerySet.as_manager()

    class Meta:
        constraints = [
            # One person per name and date of birth in a force: the only automatic link.
            models.UniqueConstraint(
                fields=["force", "match_key"],
                condition=~Q(match_key=""),
                name="person_one_per_match_key",
            ),
            models.CheckConstraint(
                condition=~Q(kind="business") | ~Q(business_contact_name=""),
                name="business_has_contact_name",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()

    def age_on(self, day: dt.date) -> int | None:
        if self.date_of_birth is None:
            return None
        dob = self.date_of_birth
        return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))

    @property
    def has_address(self) -> bool:
        return bool(self.address_line1 and self.postcode)


class CrimeReport(TimeStampedModel):
    """A crime as the police recorded it; a crime may have several victims."""

    # Not indexed alone: crime_reference_unique leads with it.
    force = models.ForeignKey(
        Force, on_delete=models.PROTECT, related_name="crimes", db_index=False
    )
    reference = models.CharField(max_length=40)
    offence_code = models.CharField(max_length=16)
    offence_description = models.CharField(max_length=200, blank=True)
    offence = models.ForeignKey(OffenceType, null=True, blank=True, on_delete=models.PROTECT)
    occurred_on = models.DateField(null=True, blank=True)
    reported_on = models.DateField()
    area = models.CharField(max_length=100, blank=True)
    officer_name = models.CharField(max_length=120, blank=True)
    officer_email = models.EmailField(blank=True)

    objects = ForceRecordQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["force", "reference"], name="crime_reference_unique"),
            models.CheckConstraint(
                condition=Q(occurred_on__isnull=True) | Q(occurred_on__lte=models.F("reported_on")),
                name="crime_occurred_not_after_reported",
            ),
        ]

    def __str__(self) -> str:
        return self.reference


TOKEN_PREFIX = "vh_"  # noqa: S105 - a prefix that marks tokens, not a secret


def hash_token(token: str) -> str:
    """Tokens carry 256 random bits, so a plain SHA-256 is enough and allows lookup."""
    return hashlib.sha256(token.encode()).hexdigest()


class ApiClientQuerySet(models.QuerySet):
    def active(self) -> ApiClientQuerySet:
        return self.filter(revoked_at__isnull=True)


class ApiClient(TimeStampedModel):
    """A police system that posts referrals and court results for one force.

    Only a hash of its token is stored; the token is shown once, when made or rotated.
    """

    name = models.CharField(max_length=100, unique=True)
    force = models.ForeignKey(Force, on_delete=models.PROTECT, related_name="api_clients")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    token_hint = models.CharField(
        max_length=12,
        editable=False,
        help_text="The token's first characters, to tell tokens apart.",
    )
    rate_per_second = models.PositiveIntegerField(
        default=50, help_text="Sustained requests a second before the API answers 429."
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    objects = ApiClientQuerySet.as_manager()

    class Meta:
        verbose_name = "API client"

    @property
    def audit_label(self) -> str:
        """How the audit log names this client as an actor or a recipient."""
        return f"API client {self.name} (#{self.pk})"

    def __str__(self) -> str:
        return f"{self.name} ({self.force.code})"

    # DRF treats the authenticated principal as a user.
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def issue_token(self) -> str:
        """Give the client a new token (the old one stops working) and return it, once."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        self.token_hash = hash_token(token)
        self.token_hint = token[:10]
        return token

    def revoke(self, *, now: dt.datetime | None = None) -> None:
        self.revoked_at = now or timezone.now()


class ReferralSource(models.TextChoices):
    POLICE_API = "police_api", "Police (crime report)"
    ADT_BATCH = "adt_batch", "Automatic Data Transfer"
    SELF_REFERRAL = "self_referral", "Self-referral"
    PARTNER_AGENCY = "partner_agency", "Partner agency"
    TRANSFER_IN = "transfer_in", "Transfer from another area"


class ConsentBasis(models.TextChoices):
    CONSENT = "consent", "Consent (the victim asked for support)"
    ADT = "adt", "Automatic transfer (the victim did not object)"


class ReferralQuerySet(ForceRecordQuerySet):
    def visible_to(self, user) -> ReferralQuerySet:
        if isinstance(user, ApiClient):
            # A police system sees its own referrals, never a confidential self-referral.
            return self.filter(api_client=user, confidential_from_police=False)
        return super().visible_to(user)


class Referral(TimeStampedModel):
    """One victim of one crime referred to the Hub, however it arrived."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Not indexed alone: referral_force_received_idx leads with it.
    force = models.ForeignKey(
        Force, on_delete=models.PROTECT, related_name="referrals", db_index=False
    )
    source = models.CharField(max_length=20, choices=ReferralSource.choices)
    source_reference = models.CharField(max_length=80, blank=True)
    # Not indexed alone: referral_once_per_client_reference leads with it.
    api_client = models.ForeignKey(
        ApiClient,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referrals",
        db_index=False,
    )
    # For an idempotent replay: the request as parsed JSON (hashed) and the first answer.
    request_hash = models.CharField(max_length=64, blank=True, editable=False)
    response_body = models.JSONField(null=True, blank=True, editable=False)
    consent_basis = models.CharField(max_length=10, choices=ConsentBasis.choices)
    consent_recorded_on = models.DateField(null=True, blank=True)
    received_at = models.DateTimeField()
    # Not indexed alone: referral_person_received_idx leads with it.
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="referrals", db_index=False
    )
    crime = models.ForeignKey(
        CrimeReport, null=True, blank=True, on_delete=models.PROTECT, related_name="referrals"
    )
    referrer = models.CharField(
        max_length=200, blank=True, help_text="Partner agency, or the area a transfer came from."
    )
    confidential_from_police = models.BooleanField(
        default=False,
        help_text="A self-referral: never told to police but for risk or a miscarriage of justice.",
    )

    objects = ReferralQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["person", "received_at"], name="referral_person_received_idx"),
            models.Index(fields=["force", "received_at"], name="referral_force_received_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(source="self_referral") | Q(confidential_from_police=True),
                name="self_referral_is_confidential",
            ),
            # Exactly once: a client's source reference is taken once, whatever the race.
            models.UniqueConstraint(
                fields=["api_client", "source_reference"],
                condition=Q(api_client__isnull=False),
                name="referral_once_per_client_reference",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()} referral of {self.received_at:%Y-%m-%d}"


class CourtResult(TimeStampedModel):
    """A hearing result for a crime the Hub holds, to be passed on to its victims."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    force = models.ForeignKey(Force, on_delete=models.PROTECT, related_name="court_results")
    api_client = models.ForeignKey(
        ApiClient, on_delete=models.PROTECT, related_name="court_results"
    )
    source_reference = models.CharField(max_length=80)
    crime = models.ForeignKey(CrimeReport, on_delete=models.PROTECT, related_name="court_results")
    hearing_date = models.DateField()
    court = models.CharField(max_length=200)
    result = models.TextField()
    next_hearing_date = models.DateField(null=True, blank=True)
    received_at = models.DateTimeField()
    request_hash = models.CharField(max_length=64, editable=False)
    response_body = models.JSONField(editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["api_client", "source_reference"],
                name="court_result_once_per_client_reference",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source_reference} for {self.crime}"
