"""Writes to letter templates: an edit is saved as the next version, never in place."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Max

from hub.errors import DomainError
from letters.models import LetterTemplate


def save_template_version(
    *, purpose: str, language: str, subject: str, body: str, by
) -> LetterTemplate:
    """Save the words as the next version of (purpose, language), checked first: a letter
    already sent keeps naming the version it was made from."""
    template = LetterTemplate(
        purpose=purpose, language=language, subject=subject, body=body, created_by=by
    )
    template.full_clean(exclude=["version"])
    try:
        with transaction.atomic():
            latest = LetterTemplate.objects.filter(purpose=purpose, language=language).aggregate(
                v=Max("version")
            )["v"]
            template.version = (latest or 0) + 1
            template.save()
    except IntegrityError as exc:
        # Two administrators saved the same letter at the same moment.
        raise DomainError(
            "Someone else has just saved this letter: reload it and try again."
        ) from exc
    return template


def erase_letter_contents(case) -> list[str]:
    """Remove what a case's letters said and their PDFs, keeping each letter's purpose,
    channel, dates and cost for the reports; the names of the fields erased."""
    from letters.models import Letter

    for letter in Letter.objects.filter(case=case).exclude(pdf=""):
        letter.pdf.delete(save=False)
    Letter.objects.filter(case=case).update(content={}, pdf="", pdf_sha256="", last_error="")
    return ["letter_content", "letter_pdf"]
