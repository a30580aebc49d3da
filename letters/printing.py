"""Print runs: a force's postal letters merged into one PDF for the post room.

A postal letter is made (its PDF stored) by the worker as soon as it is due, and posted
when the post room prints the next run. Each run holds only letters no run has held, so a
run made again later the same day holds only the letters made since (run 2, 3, …) and
nothing is printed twice. Just before a letter goes into a run its case is checked again:
a letter whose victim may no longer be written to by post is withheld and flagged.
"""

from __future__ import annotations

import datetime as dt
import io

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from pypdf import PdfReader, PdfWriter

from casework.contact import ask_a_person
from hub.calendar import LONDON
from hub.models import Force
from letters.models import Channel, Letter, LetterStatus, PrintRun


def make_print_runs(day: dt.date, *, now: dt.datetime | None = None) -> list[PrintRun]:
    """A run for every force with postal letters made by the end of ``day`` and not yet
    printed; running it again with nothing new makes nothing."""
    forces = Force.objects.filter(
        pk__in=_waiting(day).values("case__force_id").distinct()
    ).order_by("code")
    runs = [make_print_run(force, day, now=now) for force in forces]
    return [run for run in runs if run is not None]


def _waiting(day: dt.date):
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=LONDON)
    return Letter.objects.filter(
        channel=Channel.POST, status=LetterStatus.SENT, print_run=None, sent_at__lt=end
    )


def make_print_run(force: Force, day: dt.date, *, now: dt.datetime | None = None):
    """The next run of ``day`` for ``force``, with every postal letter waiting; None when
    no letter is waiting."""
    now = now or dt.datetime.now(dt.UTC)
    with transaction.atomic():
        # Locking the waiting letters makes two runs made at once take each letter once.
        waiting = list(
            _waiting(day)
            .filter(case__force=force)
            .select_related("case")
            .select_for_update(of=("self",))
            .order_by("sent_at", "id")
        )
        letters = [letter for letter in waiting if letter.case.may_post]
        for letter in waiting:
            if not letter.case.may_post:
                _withhold(letter, now=now)
        if not letters:
            return None
        last = PrintRun.objects.filter(force=force, date=day).aggregate(n=Max("number"))["n"]
        run = PrintRun.objects.create(force=force, date=day, number=(last or 0) + 1)
        Letter.objects.filter(pk__in=[letter.pk for letter in letters]).update(print_run=run)
        pdf, manifest = _merge(letters)
        run.pdf.save(
            f"{force.code}-{day.isoformat()}-{run.number}.pdf", ContentFile(pdf), save=False
        )
        run.manifest = manifest
        run.save(update_fields=["pdf", "manifest", "updated_at"])
    return run


def _withhold(letter: Letter, *, now: dt.datetime) -> None:
    # Made while post was safe, and not posted now that it is not.
    Letter.objects.filter(pk=letter.pk).update(
        status=LetterStatus.FLAGGED,
        cost_pence=None,
        last_error="Withheld from the print run: post is no longer safe.",
        updated_at=now,
    )
    ask_a_person(
        letter.case_id,
        f"{letter.get_purpose_display()}: withheld from the print run because post is no "
        "longer safe. Choose another way to reach the victim.",
        now=now,
    )


def _merge(letters: list[Letter]) -> tuple[bytes, list[dict]]:
    writer = PdfWriter()
    manifest = []
    for letter in letters:
        with letter.pdf.open("rb") as handle:
            reader = PdfReader(io.BytesIO(handle.read()))
        manifest.append(
            {
                "letter": letter.pk,
                "case": letter.case.reference,
                "purpose": letter.purpose,
                "first_page": len(writer.pages) + 1,
                "pages": len(reader.pages),
                "large_print": bool(letter.content.get("large_print")),
            }
        )
        for page in reader.pages:
            writer.add_page(page)
        if len(reader.pages) % 2:
            # Printed double-sided: each letter starts on a fresh sheet.
            writer.add_blank_page()
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue(), manifest
