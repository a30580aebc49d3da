"""The audit log's filters: shape only; what a manager may see is the selector's."""

from __future__ import annotations

from django import forms

from hub.models import AuditAction


class AuditFilterForm(forms.Form):
    case = forms.CharField(required=False, max_length=16, label="Case reference")
    member = forms.CharField(required=False, max_length=150, label="Member of staff")
    action = forms.ChoiceField(
        required=False, choices=[("", "Any action"), *AuditAction.choices], label="Action"
    )
    date_from = forms.DateField(required=False, label="From (YYYY-MM-DD)")
    date_to = forms.DateField(required=False, label="To (YYYY-MM-DD)")

    def clean_case(self):
        return " ".join(self.cleaned_data["case"].split()).upper()

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "The end date must be on or after the start date.")
        return data


class PeriodForm(forms.Form):
    """The dashboard's period (by the day a referral was received) and the crime's area."""

    date_from = forms.DateField(label="From (YYYY-MM-DD)")
    date_to = forms.DateField(label="To (YYYY-MM-DD)")
    area = forms.CharField(required=False, max_length=100, label="Area (blank for all)")

    # Two years: the longest period the commissioner's comparisons are read over, and
    # what keeps one request's aggregates bounded.
    MAX_DAYS = 732

    def clean(self):
        data = super().clean()
        first, last = data.get("date_from"), data.get("date_to")
        if first and last:
            if first > last:
                self.add_error("date_to", "The end date must be on or after the start date.")
            elif (last - first).days + 1 > self.MAX_DAYS:
                self.add_error("date_to", "Choose a period of at most two years.")
        data["area"] = " ".join((data.get("area") or "").split())
        return data
