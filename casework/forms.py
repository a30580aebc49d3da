"""Forms for the case pages: each checks shape only; the services hold the rules."""

from __future__ import annotations

import datetime as dt

from django import forms

from casework.access import DEFAULT_GRANT_HOURS, MAX_GRANT_HOURS
from casework.models import ContactOutcome
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
