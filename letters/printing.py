"""The daily print run: a force's postal letters merged into one PDF for the post room."""

from __future__ import annotations

import datetime as dt
import io

from django.core.files.base import ContentFile
from django.db import transaction
from pypdf import PdfReader, PdfWriter

from hub.calendar import LONDON
from hub.models import Force
from letters.models import Channel, Letter, LetterStatus, PrintRun


def make_print_runs(day: dt.date) -> list[PrintRun]:
    """The print run of ``day`` for every force with postal letters waiting."""
    forces = Force.objects.filter(
        pk__in=_waiting(day).values("case__force_id").distinct()
    ).order_by("code")
    return [make_print_run(force, day) for force in forces]


def _waiting(day: dt.date):
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=LONDON)
    return Letter.objects.filter(
        channel=Channel.POST, status=LetterStatus.SENT, print_run=None, sent_at__lt=end
    )


def make_print_run(force: Force, day: dt.date) -> PrintRun:
    """Put every postal letter of ``force`` sent by the end of ``day`` and not yet printed
    into ``day``'s run, and (re)make its PDF and manifest. Running it again for the same
    day adds only letters sent since; with none, it changes nothing."""
    with transaction.atomic():
        run, _ = PrintRun.objects.get_or_create(force=force, date=day)
        run = PrintRun.objects.select_for_update().get(pk=run.pk)
        added = _waiting(day).filter(case__force=force).update(print_run=run)
        if not added and run.pdf:
            return run
        letters = list(
            run.letters.select_related("case")
            .order_by("sent_at", "id")
            .only("id", "pdf", "purpose", "case__reference", "content")
        )
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
        if run.pdf:
            run.pdf.delete(save=False)
        run.pdf.save(f"{force.code}-{day.isoformat()}.pdf", ContentFile(out.getvalue()), save=False)
        run.manifest = manifest
        run.save(update_fields=["pdf", "manifest", "updated_at"])
    return run
