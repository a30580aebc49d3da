"""The staff referral form. It checks shape only (the API's field rules, in words for staff);
intake's services hold the rules (consent, linking, triage)."""

from __future__ import annotations

import datetime as dt
import uuid

from django import forms
from django.core import signing
from django.core.validators import RegexValidator

from assessments.models import DashRisk, EnhancedGroup
from hub.calendar import LONDON
from referrals.api.fields import DAYS, LANGUAGE, PHONE, TIME, UK_POSTCODE
from referrals.entry import FormKey
from referrals.inputs import CrimeInput, IvnaInput, PersonInput, ReferralInput, SafeContactInput
from referrals.models import ConsentBasis, ContactPreference, ReferralSource
from referrals.people import find_offence

KINDS = (ReferralSource.SELF_REFERRAL, ReferralSource.PARTNER_AGENCY, ReferralSource.TRANSFER_IN)

FORM_KEY_SALT = "referrals.staff-entry"


def issue_form_token(now: dt.datetime) -> str:
    """A new form's key and issue time, signed so that neither can be made up."""
    return signing.Signer(salt=FORM_KEY_SALT).sign(f"form-{uuid.uuid4()}@{int(now.timestamp())}")


def read_form_token(token: str) -> FormKey | None:
    try:
        value = signing.Signer(salt=FORM_KEY_SALT).unsign(token)
        reference, issued = value.rsplit("@", 1)
        return FormKey(reference, dt.datetime.fromtimestamp(int(issued), tz=dt.UTC))
    except (signing.BadSignature, ValueError):
        return None


def today() -> dt.date:
    return dt.datetime.now(tz=LONDON).date()


# ---- GOV.UK's date input: day, month and year in three boxes ---------------------------


class DateParts(forms.Widget):
    """Reads ``<name>-day``, ``<name>-month`` and ``<name>-year`` as one value."""

    parts = ("day", "month", "year")

    def value_from_datadict(self, data, files, name):
        return tuple(str(data.get(f"{name}-{part}", "")).strip() for part in self.parts)

    def value_omitted_from_data(self, data, files, name):
        return not any(f"{name}-{part}" in data for part in self.parts)


class DayMonthYearField(forms.Field):
    """A real date, and by default not in the future, with GOV.UK's error messages."""

    widget = DateParts

    def __init__(self, *, noun: str, past: bool = True, **kwargs):
        self.noun, self.past = noun, past
        kwargs.setdefault("error_messages", {"required": f"Enter {noun.lower()}"})
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, dt.date):
            return value
        if not value or not any(value):
            return None
        missing = [name for name, part in zip(DateParts.parts, value, strict=True) if not part]
        if missing:
            raise forms.ValidationError(f"{self.noun} must include a {' and a '.join(missing)}")
        day, month, year = value
        try:
            if len(year) != 4:
                raise ValueError(year)
            return dt.date(int(year), int(month), int(day))
        except ValueError:
            raise forms.ValidationError(f"{self.noun} must be a real date") from None

    def validate(self, value):
        super().validate(value)
        if value and self.past and value > today():
            raise forms.ValidationError(f"{self.noun} must be today or in the past")


# ---- Fields with the API's rules --------------------------------------------------------


def text(label: str, max_length: int, *, required=False, missing="", hint="") -> forms.CharField:
    messages = {"max_length": f"{label} must be {max_length} characters or fewer"}
    if missing:
        messages["required"] = missing
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=required,
        help_text=hint,
        error_messages=messages,
    )


def phone_field(label: str, hint: str = "") -> forms.CharField:
    field = text(label, 40, hint=hint)
    field.validators.append(
        RegexValidator(
            PHONE, "Enter a telephone number, like 01632 960 001, 07700 900 982 or +44 808 157 0192"
        )
    )
    return field


def email_field(label: str, hint: str = "") -> forms.EmailField:
    return forms.EmailField(
        label=label,
        max_length=254,
        required=False,
        help_text=hint,
        error_messages={
            "invalid": "Enter an email address in the correct format, like name@example.com"
        },
    )


def yes_no(label: str, **kwargs) -> forms.BooleanField:
    return forms.BooleanField(label=label, required=False, **kwargs)


SAFE_ROUTES = (
    ("voicemail", "A voicemail may be left"),
    ("post", "Post may go to the address"),
    ("email", "Email is safe"),
    ("sms", "Text messages are safe"),
)
NONE_SAFE = "none"
SAFE_DAYS = (
    ("mon-sun", "Any day the Hub is open"),
    ("mon-fri", "Monday to Friday"),
    ("mon-sat", "Monday to Saturday"),
    ("sat", "Saturday only"),
)
# Fields shown as a group of radios or checkboxes: an error links to the first of them.
GROUPS = ("kind", "consent_basis", "needs_support", "dash_risk", "preferred_contact")
GROUPS += ("enhanced_entitlement", "safe_routes")

CRIME_FIELDS = (
    "crime_reference",
    "offence_code",
    "offence_description",
    "occurred_on",
    "reported_on",
    "crime_area",
)
ADDRESS_FIELDS = ("address_line1", "address_line2", "town", "postcode")


class StaffReferralForm(forms.Form):
    """One victim referred by hand: the way in, the victim, the crime if any, needs, safety."""

    form_token = forms.CharField(required=False, widget=forms.HiddenInput)

    # The way in
    kind = forms.ChoiceField(
        label="What kind of referral is it?",
        choices=[(k.value, k.label) for k in KINDS],
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select what kind of referral it is",
            "invalid_choice": "Select what kind of referral it is",
        },
    )
    agency = text(
        "Referring agency",
        100,
        hint="For example, Women's Aid, a GP surgery or the council's social care team.",
    )
    referrer_name = text("Name of the person referring", 100)
    referrer_phone = phone_field("Their phone number")
    referrer_email = email_field("Their email address")
    transfer_from = text(
        "Where it came from",
        100,
        hint="The force or area, for example Action Fraud, British Transport Police or "
        "Norfolk Constabulary.",
    )
    consent_basis = forms.ChoiceField(
        label="How did the victim agree to the referral?",
        choices=[(c.value, c.label) for c in ConsentBasis],
        widget=forms.RadioSelect,
        required=False,
        help_text="Not needed for a self-referral: the victim asked for support themselves.",
        error_messages={"invalid_choice": "Select how the victim agreed to the referral"},
    )
    consent_recorded_on = DayMonthYearField(
        noun="The date the victim agreed",
        label="When did the victim agree? (optional)",
        required=False,
        help_text="For example, 27 3 2026.",
    )

    # The victim
    given_name = text("First name", 100, required=True, missing="Enter the victim's first name")
    family_name = text("Last name", 100, required=True, missing="Enter the victim's last name")
    date_of_birth = DayMonthYearField(
        noun="Date of birth",
        label="Date of birth (optional)",
        required=False,
        help_text="For example, 2 3 1984. A victim under 18 is contacted through a parent "
        "or guardian.",
    )
    phone = phone_field("Phone number")
    email = email_field("Email address")
    address_line1 = text("Address line 1", 200)
    address_line2 = text("Address line 2 (optional)", 200)
    town = text("Town or city", 100)
    postcode = text("Postcode", 10)
    preferred_contact = forms.ChoiceField(
        label="How does the victim prefer to be contacted?",
        choices=ContactPreference.choices,
        widget=forms.RadioSelect,
        required=False,
        help_text="By phone, unless the victim said otherwise.",
    )
    preferred_language = text(
        "Preferred language (optional)",
        12,
        hint="A language code, such as en for English, pl for Polish or ur for Urdu.",
    )
    guardian_name = text("Parent or guardian's name", 200)
    guardian_relationship = text(
        "Their relationship to the victim", 60, hint="For example, mother."
    )
    guardian_phone = phone_field("Their phone number")
    guardian_email = email_field("Their email address")

    # The crime, if any
    crime_reference = text(
        "Crime reference",
        40,
        hint="The reference of the force or body that recorded it, for example 35/12345/26 or "
        "an Action Fraud NFRC number.",
    )
    offence_code = text(
        "Home Office offence code",
        16,
        hint="For example, 28/3 for residential burglary or 8N for assault with injury.",
    )
    offence_description = text("Offence (optional)", 200, hint="Left empty, the code's name.")
    occurred_on = DayMonthYearField(
        noun="The date of the crime", label="When did it happen? (optional)", required=False
    )
    reported_on = DayMonthYearField(
        noun="The date it was reported", label="When was it reported?", required=False
    )
    crime_area = text("Area where it happened (optional)", 100)

    # Needs (the initial needs assessment)
    needs_support = forms.ChoiceField(
        label="Does the victim appear to need support?",
        choices=[("yes", "Yes"), ("no", "No, or not known")],
        widget=forms.RadioSelect,
        help_text="With no needs identified, the Hub sends information within a working day "
        "instead of phoning.",
        error_messages={
            "required": "Select whether the victim appears to need support",
            "invalid_choice": "Select whether the victim appears to need support",
        },
    )
    enhanced_entitlement = forms.MultipleChoiceField(
        label="Is the victim entitled to an enhanced service? (optional)",
        choices=EnhancedGroup.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Select all that apply. The Hub also works out what it can from age, "
        "offence and domestic abuse.",
    )
    domestic_abuse = yes_no("Domestic abuse")
    dash_risk = forms.ChoiceField(
        label="DASH risk, if assessed",
        choices=[("", "Not assessed"), *DashRisk.choices],
        widget=forms.RadioSelect,
        required=False,
    )
    hate_crime = yes_no("Hate crime")
    repeat_victim = yes_no("Repeat victim")
    needs_notes = forms.CharField(
        label="What the victim needs (optional)",
        max_length=4000,
        required=False,
        widget=forms.Textarea,
        error_messages={"max_length": "Needs must be 4000 characters or fewer"},
    )

    # Safe contact
    safe_routes = forms.MultipleChoiceField(
        label="Which of these did the victim say are safe?",
        choices=[*SAFE_ROUTES, (NONE_SAFE, "None of these")],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="If it was not asked, leave them all unticked: for domestic abuse, post, "
        "voicemail, email and texts are then treated as unsafe until a co-ordinator checks.",
    )
    lives_with_suspect = yes_no(
        "The victim lives with the suspect",
        help_text="Then no post and no voicemail, whatever else is ticked.",
    )
    safe_days = forms.ChoiceField(
        label="Days",
        choices=SAFE_DAYS,
        required=False,
        initial="mon-sun",
        validators=[RegexValidator(DAYS)],
    )
    safe_from = text("From", 5, hint="For example, 09:00.")
    safe_to = text("To", 5, hint="For example, 12:00.")
    interpreter = text(
        "Interpreter needed (optional)", 40, hint="The language, for example Polish."
    )
    communication_needs = forms.CharField(
        label="Communication needs (optional)",
        max_length=2000,
        required=False,
        widget=forms.Textarea,
        help_text="For example, hard of hearing: use text relay.",
        error_messages={"max_length": "Communication needs must be 2000 characters or fewer"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.offence = None
        self.key: FormKey | None = None
        for name in ("safe_from", "safe_to"):
            self.fields[name].validators.append(
                RegexValidator(TIME, f"{self.fields[name].label} must be a time like 09:30")
            )
        self.fields["postcode"].validators.append(
            RegexValidator(UK_POSTCODE, "Enter a real postcode, like PE1 1AA")
        )
        self.fields["preferred_language"].validators.append(
            RegexValidator(LANGUAGE, "Enter a language code, like en, pl or ur")
        )

    # ---- field by field

    def clean_form_token(self):
        self.key = read_form_token(self.cleaned_data["form_token"])
        if self.key is None:
            raise forms.ValidationError(
                "This form could not be checked: check the details and send it again"
            )
        return self.cleaned_data["form_token"]

    def clean_postcode(self):
        return self.cleaned_data["postcode"].upper()

    def clean_offence_code(self):
        code = self.cleaned_data["offence_code"]
        if code:
            self.offence = find_offence(code)
            if self.offence is None:
                raise forms.ValidationError(
                    "Enter a Home Office offence code the Hub knows, like 28/3 or 8N"
                )
        return code

    def clean_safe_routes(self):
        routes = self.cleaned_data["safe_routes"]
        if NONE_SAFE in routes and len(routes) > 1:
            raise forms.ValidationError("Select the safe ways, or select 'None of these'")
        return routes

    # ---- together

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        self._way_in(data, kind)
        self._victim(data)
        self._crime(data, kind)
        self._safe_time(data)
        return data

    def _require(self, data, name: str, message: str) -> None:
        if not data.get(name) and name not in self.errors:
            self.add_error(name, message)

    def _way_in(self, data, kind) -> None:
        if kind == ReferralSource.PARTNER_AGENCY:
            self._require(data, "agency", "Enter the referring agency")
            self._require(data, "referrer_name", "Enter the name of the person referring")
            if not (
                data.get("referrer_phone")
                or data.get("referrer_email")
                or {"referrer_phone", "referrer_email"} & set(self.errors)
            ):
                self.add_error("referrer_phone", "Enter a phone number or email for the referrer")
        elif kind == ReferralSource.TRANSFER_IN:
            self._require(data, "transfer_from", "Enter the force or area it came from")
        if kind == ReferralSource.SELF_REFERRAL:
            if data.get("consent_basis") == ConsentBasis.ADT:
                self.add_error("consent_basis", "A self-referral is made with the victim's consent")
        elif kind:
            self._require(data, "consent_basis", "Select how the victim agreed to the referral")

    def _victim(self, data) -> None:
        address = {name: data.get(name) for name in ADDRESS_FIELDS}
        if any(address.values()):
            # The API's rule: an address is a first line, a town and a postcode.
            self._require(data, "address_line1", "Enter the first line of the address")
            self._require(data, "town", "Enter the town or city")
            self._require(data, "postcode", "Enter the postcode")
        contact = ("phone", "email", "address_line1")
        if not any(data.get(name) for name in contact) and not (
            set(contact) | set(ADDRESS_FIELDS)
        ) & set(self.errors):
            self.add_error(
                "phone", "Enter at least one way to reach the victim: phone, email or address"
            )
        if self._under_18(data):
            self._require(data, "guardian_name", "Enter the parent or guardian's name")
            self._require(data, "guardian_relationship", "Enter their relationship to the victim")
            guardian_contact = {"guardian_phone", "guardian_email"}
            if not any(data.get(name) for name in guardian_contact) and not (
                guardian_contact & set(self.errors)
            ):
                self.add_error(
                    "guardian_phone", "Enter a phone number or email for the parent or guardian"
                )

    def _crime(self, data, kind) -> None:
        given = any(data.get(name) for name in CRIME_FIELDS) or set(CRIME_FIELDS) & set(self.errors)
        if kind == ReferralSource.SELF_REFERRAL and given:
            self.add_error(
                "crime_reference",
                "A self-referral is from a victim who has not reported to police: leave the "
                "crime out, or select another kind of referral",
            )
            return
        if not (given or kind == ReferralSource.TRANSFER_IN):
            return
        self._require(data, "crime_reference", "Enter the crime reference")
        self._require(data, "offence_code", "Enter the Home Office offence code")
        self._require(data, "reported_on", "Enter the date it was reported")
        occurred, reported = data.get("occurred_on"), data.get("reported_on")
        if occurred and reported and occurred > reported:
            self.add_error(
                "occurred_on", "The date of the crime must be the same as or before it was reported"
            )
        born = data.get("date_of_birth")
        if born and reported and born > reported:
            self.add_error("date_of_birth", "Date of birth must be before the crime was reported")

    def _under_18(self, data) -> bool:
        born = data.get("date_of_birth")
        if not born:
            return False
        on = data.get("reported_on") or today()
        return on.year - born.year - ((on.month, on.day) < (born.month, born.day)) < 18

    def _safe_time(self, data) -> None:
        start, end = data.get("safe_from"), data.get("safe_to")
        if {"safe_from", "safe_to"} & set(self.errors):
            return
        if end and not start:
            self.add_error("safe_from", "Enter the time it becomes safe to call")
        elif start and not end:
            self.add_error("safe_to", "Enter the time it stops being safe to call")
        elif start and start >= end:
            self.add_error("safe_to", "The safe time must end after it starts")

    # ---- what intake takes

    def referral_input(self) -> ReferralInput:
        data = self.cleaned_data
        kind = data["kind"]
        return ReferralInput(
            source=kind,
            consent_basis=data.get("consent_basis") or ConsentBasis.CONSENT,
            consent_recorded_on=data.get("consent_recorded_on"),
            referrer={
                ReferralSource.PARTNER_AGENCY: data["agency"],
                ReferralSource.TRANSFER_IN: data["transfer_from"],
            }.get(kind, ""),
            person=PersonInput(
                given_name=data["given_name"],
                family_name=data["family_name"],
                date_of_birth=data.get("date_of_birth"),
                phone=data["phone"],
                email=data["email"],
                address_line1=data["address_line1"],
                address_line2=data["address_line2"],
                town=data["town"],
                postcode=data["postcode"],
                preferred_language=data["preferred_language"] or "en",
                preferred_contact=data["preferred_contact"] or ContactPreference.PHONE,
                parent_guardian=self._guardian(),
            ),
            crime=self._crime_input(),
            ivna=IvnaInput(
                needs_support=data["needs_support"] == "yes",
                enhanced_entitlement=tuple(data["enhanced_entitlement"]),
                domestic_abuse=data["domestic_abuse"],
                dash_risk=data["dash_risk"],
                hate_crime=data["hate_crime"],
                repeat_victim=data["repeat_victim"],
                notes=data["needs_notes"],
            ),
            safe_contact=self._safe_contact(),
        )

    def _guardian(self) -> dict | None:
        data = self.cleaned_data
        if not self._under_18(data):
            return None
        guardian = {"name": data["guardian_name"], "relationship": data["guardian_relationship"]}
        for part in ("phone", "email"):
            if data[f"guardian_{part}"]:
                guardian[part] = data[f"guardian_{part}"]
        return guardian

    def _crime_input(self) -> CrimeInput | None:
        data = self.cleaned_data
        if not data["crime_reference"]:
            return None
        return CrimeInput(
            reference=data["crime_reference"],
            offence_code=data["offence_code"],
            offence_description=data["offence_description"] or self.offence.description,
            occurred_on=data.get("occurred_on"),
            reported_on=data["reported_on"],
            area=data["crime_area"],
        )

    def _safe_contact(self) -> SafeContactInput:
        data = self.cleaned_data
        routes = set(data["safe_routes"])
        # Nothing ticked means "not asked" (None), not "nothing is safe".
        said = {name: (name in routes) if routes else None for name, _ in SAFE_ROUTES}
        window = ()
        if data["safe_from"]:
            days = data["safe_days"] or "mon-sun"
            window = ({"days": days, "from": data["safe_from"], "to": data["safe_to"]},)
        return SafeContactInput(
            **said,
            lives_with_suspect=data["lives_with_suspect"],
            safe_times=window,
            interpreter=data["interpreter"],
            communication_needs=data["communication_needs"],
        )

    def referrer_note(self) -> str:
        """Who referred and how to reach them, for the case's timeline."""
        data = self.cleaned_data
        if data["kind"] != ReferralSource.PARTNER_AGENCY:
            return ""
        reach = [
            f"{what} {data[name]}"
            for what, name in (("phone", "referrer_phone"), ("email", "referrer_email"))
            if data[name]
        ]
        return f"Referred by {data['referrer_name']} of {data['agency']}: {', '.join(reach)}."

    # ---- for the error summary

    def error_links(self) -> list[tuple[str, str]]:
        """Each field's error with the id of the input it is about, in the page's order."""
        links = [
            (self.anchor(name, field), self.errors[name][0])
            for name, field in self.fields.items()
            if name in self.errors
        ]
        links.extend(("referral-form", error) for error in self.non_field_errors())
        return links

    def anchor(self, name: str, field) -> str:
        if name == "form_token":
            return "referral-form"
        if isinstance(field, DayMonthYearField):
            return f"id_{name}-day"
        if name in GROUPS:
            return f"id_{name}_0"
        return f"id_{name}"
