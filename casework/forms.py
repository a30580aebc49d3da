"""Forms for the case pages: each checks shape only; the services hold the rules."""

from __future__ import annotations

import datetime as dt

from django import forms

from casework.access import DEFAULT_GRANT_HOURS, MAX_GRANT_HOURS
from casework.models import OPEN_STATES as OPEN
from casework.models import ClosureReason, ContactOutcome, Priority
from hub.calendar import LONDON


class RecordCallForm(forms.Form):
    attempt = forms.IntegerField(widget=forms.HiddenInput)
    outcome = forms.ChoiceField(choices=ContactOutcome.choices)
    note = forms.CharField(required=False, max_length=2000, widget=forms.Textarea)
    call_back_on = forms.DateField(required=False)
    call_back_at = forms.TimeField(required=False)

    def clean(self):
        data = super().clean()
        if data.get("outcome") == ContactOutcome.CALL_BACK:
            if not (data.get("call_back_on") and data.get("call_back_at")):
                raise forms.ValidationError("Give the day and time the victim asked for.")
            data["call_back"] = dt.datetime.combine(
                data["call_back_on"], data["call_back_at"], tzinfo=LONDON
            )
        else:
            data["call_back"] = None
        return data


class AccessRequestForm(forms.Form):
    reason = forms.CharField(
        max_length=2000,
        widget=forms.Textarea,
        error_messages={"required": "Say why you need to see this case."},
    )


class AccessDecisionForm(forms.Form):
    hours = forms.IntegerField(
        min_value=1, max_value=MAX_GRANT_HOURS, initial=DEFAULT_GRANT_HOURS, required=False
    )
    note = forms.CharField(required=False, max_length=2000)


class QueueFilterForm(forms.Form):
    """The filters over a work queue; anything unrecognised is ignored, never an error."""

    state = forms.ChoiceField(
        required=False, choices=[("", "Any open status"), *[(s.value, s.label) for s in OPEN]]
    )
    priority = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "Any priority"), *[(p.value, f"P{p.value}") for p in Priority]],
    )
    domestic_abuse = forms.BooleanField(required=False, label="Domestic abuse only")
    overdue = forms.BooleanField(required=False, label="Overdue only")
    member = forms.IntegerField(required=False, widget=forms.HiddenInput)
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def filters(self):
        from casework.selectors import QueueFilters

        data = self.cleaned_data if self.is_valid() else {}
        return QueueFilters(
            state=data.get("state") or "",
            priority=data.get("priority"),
            domestic_abuse=bool(data.get("domestic_abuse")),
            overdue=bool(data.get("overdue")),
        )


class AllocateForm(forms.Form):
    """Whom to give the case to; empty returns it to the unallocated queue."""

    to = forms.IntegerField(required=False)


class NoteForm(forms.Form):
    text = forms.CharField(
        max_length=10_000,
        widget=forms.Textarea,
        error_messages={"required": "Write the note first."},
    )


class TransitionForm(forms.Form):
    """A status change's note (the reason, where the change needs one) and, for a closure,
    the closure reason; whether they are enough is the service's rule."""

    note = forms.CharField(required=False, max_length=2000)
    closure_reason = forms.ChoiceField(required=False, choices=[("", ""), *ClosureReason.choices])


class CloseForm(TransitionForm):
    closure_reason = forms.ChoiceField(
        choices=ClosureReason.choices,
        error_messages={
            "required": "Choose why the case is closing.",
            "invalid_choice": "Choose why the case is closing.",
        },
    )


class DisclosureForm(forms.Form):
    """What disclosing a confidential self-referral to police needs: shape only."""

    ground = forms.ChoiceField(
        choices=[],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the ground for disclosing."},
    )
    reason = forms.CharField(
        max_length=4000,
        widget=forms.Textarea,
        error_messages={"required": "Say why disclosure is needed."},
    )
    recipient = forms.CharField(
        max_length=200,
        label="Who is told",
        help_text="The officer or team, e.g. DS 1234 Jones, Public Protection Unit.",
        error_messages={"required": "Name the officer or team told."},
    )
    items = forms.MultipleChoiceField(
        choices=[],
        widget=forms.CheckboxSelectMultiple,
        label="What is disclosed",
        error_messages={"required": "Choose what is disclosed."},
    )

    def __init__(self, *args, **kwargs):
        from casework.disclosure import DisclosedItem, DisclosureGround

        super().__init__(*args, **kwargs)
        self.fields["ground"].choices = DisclosureGround.choices
        self.fields["items"].choices = DisclosedItem.choices


class VictimDetailsForm(forms.Form):
    """The victim's details as they should be: shape only (the service decides the rest)."""

    given_name = forms.CharField(max_length=100, label="Given name")
    family_name = forms.CharField(max_length=100, label="Family name", required=False)
    date_of_birth = forms.DateField(
        required=False, label="Date of birth (YYYY-MM-DD)", input_formats=["%Y-%m-%d"]
    )
    phone = forms.CharField(max_length=40, required=False, label="Phone")
    email = forms.EmailField(required=False, label="Email")
    address_line1 = forms.CharField(max_length=200, required=False, label="Address line 1")
    address_line2 = forms.CharField(max_length=200, required=False, label="Address line 2")
    town = forms.CharField(max_length=100, required=False, label="Town")
    postcode = forms.CharField(max_length=10, required=False, label="Postcode")
    reason = forms.CharField(
        max_length=2000,
        label="Why they are being corrected",
        error_messages={"required": "Say why the details are being corrected."},
    )

    def clean_postcode(self):
        from django.core.validators import RegexValidator

        from referrals.api.fields import UK_POSTCODE

        postcode = " ".join(self.cleaned_data["postcode"].upper().split())
        if postcode:
            RegexValidator(UK_POSTCODE, "Enter a real postcode, like PE1 1AA")(postcode)
        return postcode


class DirectoryFilterForm(forms.Form):
    """The directory's search; a value not recognised is set aside, never an error."""

    need = forms.ChoiceField(required=False, label="Need")
    area = forms.ChoiceField(required=False, label="Area")
    q = forms.CharField(required=False, max_length=100, label="Words")
    page = forms.IntegerField(required=False, min_value=1)

    def __init__(self, *args, areas: list[str], **kwargs):
        from casework.models import NeedCategory

        super().__init__(*args, **kwargs)
        self.fields["need"].choices = [("", "Any need"), *NeedCategory.choices]
        self.fields["area"].choices = [("", "Any area"), *((area, area) for area in areas)]

    def filters(self):
        from casework.directory import DirectoryFilters

        # cleaned_data holds the fields that were valid, even when another was not.
        self.is_valid()
        data = self.cleaned_data
        return DirectoryFilters(
            need=data.get("need") or "",
            area=data.get("area") or "",
            text=" ".join((data.get("q") or "").split()),
        )

    @property
    def page_number(self) -> int:
        self.is_valid()
        return self.cleaned_data.get("page") or 1
