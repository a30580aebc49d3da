"""Reading PDFs back as their readers would: the text, through poppler's pdftotext."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

PDFTOTEXT = shutil.which("pdftotext") or "/usr/bin/pdftotext"


def pdf_text(pdf: bytes | str | Path, *, layout: bool = True) -> str:
    """The text of a PDF (its bytes or its path), laid out as on the page by default."""
    source = "-" if isinstance(pdf, bytes) else str(pdf)
    command = [PDFTOTEXT, *(["-layout"] if layout else []), source, "-"]
    return subprocess.run(  # noqa: S603 (a fixed program on our own file)
        command, input=pdf if isinstance(pdf, bytes) else None, capture_output=True, check=True
    ).stdout.decode()
