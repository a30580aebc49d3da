"""Forms of the DVNA's steps and of the outcome scores."""

from __future__ import annotations

from django import forms

from assessments.models import NeedLevel

SCORE_CHOICES = [(str(n), str(n)) for n in range(1, 6)]

# The four outcomes as a victim is asked to score them, 1 (worst) to 5 (best).
OUTCOME_QUESTIONS = {
    "health": "Health and wellbeing",
    "coping": "Coping with everyday life",
    "safety": "Feeling safe",
    "empowerment": "Feeling informed and in control",
}


class OutcomeScoresForm(forms.Form):
    """The four outcomes, each a required score from 1 to 5."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, label in OUTCOME_QUESTIONS.items():
            self.fields[name] = forms.TypedChoiceField(
                label=label,
                choices=SCORE_CHOICES,
                coerce=int,
                widget=forms.RadioSelect(attrs={"class": "hub-score"}),
                error_messages={"required": f"Score {label.lower()} from 1 to 5."},
            )


class NeedForm(forms.Form):
    level = forms.ChoiceField(
        label="Level of need",
        choices=NeedLevel.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the level of need, or “No need”."},
    )
    notes = forms.CharField(
        label="Notes",
        required=False,
        max_length=5000,
        widget=forms.Textarea,
        help_text="What the victim said, in their words where it helps.",
    )
