"""Forms of the cope and recovery plan, onward referrals, CICA help and volunteers."""

from __future__ import annotations

from django import forms

from casework.models import NeedCategory
from casework.plan_models import CicaStatus, GoalStatus, OnwardStatus
from casework.plans import SHAREABLE
from casework.volunteer_models import VolunteerContactKind


class DateInput(forms.DateInput):
    input_type = "date"


OTHER_OWNER = "other"


class GoalForm(forms.Form):
    need = forms.ChoiceField(
        label="Need", choices=NeedCategory.choices, error_messages={"required": "Choose the need."}
    )
    description = forms.CharField(
        label="Goal",
        max_length=2000,
        widget=forms.Textarea,
        help_text="What the victim wants to achieve, in their words.",
        error_messages={"required": "Say what the victim wants to achieve."},
    )


class GoalStatusForm(forms.Form):
    status = forms.ChoiceField(choices=GoalStatus.choices)


class ActionForm(forms.Form):
    description = forms.CharField(
        label="Action",
        max_length=2000,
        error_messages={"required": "Say what is to be done."},
    )
    owner = forms.ChoiceField(label="Who does it")
    owner_other = forms.CharField(
        label="Someone else (name)",
        required=False,
        max_length=120,
        help_text="The victim, a service or anyone outside the team.",
    )
    due_on = forms.DateField(
        label="Due on", widget=DateInput, error_messages={"required": "Give the date it is due."}
    )

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.people = {str(person.pk): person for person in people}
        self.fields["owner"].choices = [
            *((pk, person.display_name) for pk, person in self.people.items()),
            (OTHER_OWNER, "Someone else (name below)"),
        ]

    def clean(self):
        data = super().clean()
        owner = data.get("owner")
        data["owner_user"] = self.people.get(owner) if owner != OTHER_OWNER else None
        if owner == OTHER_OWNER and not data.get("owner_other", "").strip():
            self.add_error("owner_other", "Name who will do it.")
        if owner != OTHER_OWNER:
            data["owner_other"] = ""
        return data


class ReviewForm(forms.Form):
    due_on = forms.DateField(
        label="Review on",
        widget=DateInput,
        error_messages={"required": "Give the date of the review."},
    )


class RecordReviewForm(forms.Form):
    note = forms.CharField(
        label="What the review found",
        max_length=5000,
        widget=forms.Textarea,
        error_messages={"required": "Say what the review found."},
    )
    next_on = forms.DateField(label="Next review on", required=False, widget=DateInput)


class ExitStrategyForm(forms.Form):
    text = forms.CharField(
        label="Exit strategy",
        max_length=5000,
        widget=forms.Textarea,
        help_text="How support will end: what the victim will have in place.",
        error_messages={"required": "Describe the exit strategy."},
    )
    agreed_on = forms.DateField(label="Agreed with the victim on", required=False, widget=DateInput)


class OnwardReferralForm(forms.Form):
    service = forms.ChoiceField(label="Service", error_messages={"required": "Choose a service."})
    reason = forms.CharField(
        label="Why the victim is referred",
        max_length=5000,
        widget=forms.Textarea,
        error_messages={"required": "Say why the victim is referred."},
    )
    shared = forms.MultipleChoiceField(
        label="What is passed to the service",
        choices=list(SHAREABLE.items()),
        widget=forms.CheckboxSelectMultiple,
        help_text="As little as the service needs, with the victim's consent.",
        error_messages={"required": "Choose what is passed to the service."},
    )

    def __init__(self, *args, services=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.services = {str(s.pk): s for s in services}
        self.fields["service"].choices = [
            ("", "Choose a service"),
            *((pk, f"{s.name} ({s.organisation})") for pk, s in self.services.items()),
        ]

    def clean_service(self):
        return self.services[self.cleaned_data["service"]]


class OnwardStatusForm(forms.Form):
    status = forms.ChoiceField(choices=OnwardStatus.choices)
    note = forms.CharField(required=False, max_length=2000)


class CicaForm(forms.Form):
    status = forms.ChoiceField(label="Where the application stands", choices=CicaStatus.choices)
    submitted_on = forms.DateField(label="Submitted on", required=False, widget=DateInput)
    note = forms.CharField(label="Note", required=False, max_length=2000)


class AssignVolunteerForm(forms.Form):
    volunteer = forms.IntegerField(widget=forms.HiddenInput)
    brief = forms.CharField(
        label="What the volunteer is to help with",
        max_length=2000,
        widget=forms.Textarea,
        error_messages={"required": "Say what the volunteer is to help with."},
    )


class VolunteerContactForm(forms.Form):
    on = forms.DateField(
        label="Date", widget=DateInput, error_messages={"required": "Give the date."}
    )
    kind = forms.ChoiceField(
        label="How", choices=VolunteerContactKind.choices, widget=forms.RadioSelect
    )
    minutes = forms.IntegerField(
        label="Time spent (minutes)",
        min_value=1,
        max_value=24 * 60,
        error_messages={"required": "Give the time spent, in minutes."},
    )
    note = forms.CharField(label="Note", required=False, max_length=5000, widget=forms.Textarea)


class VolunteerProfileForm(forms.Form):
    languages = forms.CharField(
        label="Languages besides English",
        required=False,
        max_length=200,
        help_text="Language codes, separated by commas: pl, ur, pa.",
    )
    areas = forms.CharField(
        label="Areas",
        required=False,
        max_length=500,
        help_text="The areas they can visit, separated by commas.",
    )
    vetted_until = forms.DateField(label="DBS check valid until", widget=DateInput)
    trained_until = forms.DateField(label="Training valid until", widget=DateInput)
    capacity = forms.IntegerField(
        label="Victims they can support at once", min_value=0, max_value=20
    )

    def _split(self, name):
        return [part.strip() for part in self.cleaned_data[name].split(",") if part.strip()]

    def clean_languages(self):
        codes = [code.lower() for code in self._split("languages")]
        bad = [code for code in codes if not code.isalpha() or not 2 <= len(code) <= 3]
        if bad:
            raise forms.ValidationError(f"Not a language code: {', '.join(bad)}.")
        return codes

    def clean_areas(self):
        return self._split("areas")
