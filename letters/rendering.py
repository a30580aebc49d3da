"""Letters and emails from their words: placeholders, the layout, the PDF.

Pure functions, no models. Administrators write the words (a subject and paragraphs with
``{{ placeholder }}`` slots, see ``PLACEHOLDERS``); ``fill`` puts the case's values in;
``letter_html`` lays the result out as an A4 letter for a DL window envelope and
``letter_pdf`` prints it; ``email_parts`` gives the same words as an email.

Everything a victim or an administrator wrote reaches the layout as data and is escaped
by Django's autoescape, and the PDF renderer can fetch nothing but this app's own static
files (``static_files_only``): neither can make a letter fetch a URL.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

PLACEHOLDERS: dict[str, str] = {
    "victim_name": "The victim's full name, e.g. Jane Smith.",
    "given_name": "The victim's first name, e.g. Jane.",
    "hub_name": "The Hub's name as victims know it.",
    "hub_phone": "The Hub's phone number.",
    "hub_email": "The Hub's email address.",
    "hub_hours": "The Hub's opening hours in words, e.g. Monday to Friday 8am to 8pm.",
    "vcc_name": "The name of the Victim Care Co-ordinator looking after the case.",
    "case_reference": "The Hub's case reference, e.g. VH-2026-000123.",
    "crime_reference": "The police crime reference number.",
    "offence_description": "The offence in plain words, e.g. burglary.",
    "date": "The date of the letter in words, e.g. 23 November 2026.",
    "court": "The name of the court.",
    "hearing_date": "The date of the hearing in words.",
    "court_result": "The result of the hearing in plain words.",
    "next_hearing_date": "The date of the next hearing in words.",
    "reply_by_date": "The date in words by which the victim should get in touch before the "
    "case is closed (unable-to-contact letters).",
}

# A placeholder: a name between double braces, spaces allowed inside the braces.
_SLOT = re.compile(r"\{\{([^{}]*)\}\}")
# A well-formed placeholder, its name captured: what ``fill`` replaces once a text has
# passed ``check_placeholders`` (bulk writers split a checked text on it once).
PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
_NAME = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*")
_TAG = re.compile(r"\{%.*?%\}|\{#.*?#\}")  # Django's tags and comments: not for letters
_LANGUAGE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{1,8})*")

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
DAYS = (
    ("mon", "Monday"),
    ("tue", "Tuesday"),
    ("wed", "Wednesday"),
    ("thu", "Thursday"),
    ("fri", "Friday"),
    ("sat", "Saturday"),
    ("sun", "Sunday"),
)

# The window of a DL window envelope on the A4 sheet, in mm from the page's top-left
# corner (left, top, width, height). letter.css places the address inside it; the tests
# check the printed address against it.
ADDRESS_WINDOW_MM = (20.0, 45.0, 90.0, 35.0)
MAX_ADDRESS_LINES = 5  # with the name and postcode, 7 lines: what fits the window


class TemplateProblem(ValueError):
    """A letter template's words cannot be filled: unknown placeholders, braces, values."""

    def __init__(self, problems: list[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__(" ".join(self.problems))


def _line_of(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


def _excerpt(text: str, index: int) -> str:
    return text[index : index + 30].split("\n", 1)[0].strip()


def check_placeholders(text: str) -> list[str]:
    """Problems with a template text written by an administrator: unknown placeholders, unbalanced braces. [] when fine."""  # noqa: E501
    problems: list[str] = []
    for slot in _SLOT.finditer(text):
        line = _line_of(text, slot.start())
        name = _NAME.fullmatch(slot.group(1))
        if name is None:
            problems.append(
                f"Line {line}: “{slot.group(0)}” is not a placeholder. A placeholder is one "
                "name from the list between double braces, e.g. {{ victim_name }}."
            )
        elif name.group(1) not in PLACEHOLDERS:
            problems.append(
                f"Line {line}: there is no placeholder called “{name.group(1)}”. "
                "Check the spelling against the list of placeholders."
            )
    rest = _SLOT.sub(lambda slot: " " * len(slot.group(0)), text)
    for tag in _TAG.finditer(rest):
        problems.append(
            f"Line {_line_of(text, tag.start())}: “{_excerpt(text, tag.start())}” looks like "
            "template logic, which letter templates do not have: use placeholders only."
        )
    # Whatever brace is left once placeholders and tags are taken out has no partner.
    rest = _TAG.sub(lambda tag: " " * len(tag.group(0)), rest)
    for brace in re.finditer(r"\{+|\}+", rest):
        line = _line_of(text, brace.start())
        if brace.group(0).startswith("{"):
            problems.append(
                f"Line {line}: the “{{” in “{_excerpt(text, brace.start())}” has no "
                "closing “}}”. A placeholder is written like {{ victim_name }}."
            )
        else:
            start = max(0, brace.start() - 25)
            problems.append(
                f"Line {line}: the “}}” in “{text[start : brace.end()].strip()}” has no "
                "opening “{{”. A placeholder is written like {{ victim_name }}."
            )
    return problems


def fill(text: str, values: Mapping[str, str]) -> str:
    """The text with each {{ placeholder }} replaced (whitespace inside braces allowed); TemplateProblem on an unknown or missing value. No logic, no template language: administrators edit these texts."""  # noqa: E501
    problems = check_placeholders(text)
    if problems:
        raise TemplateProblem(problems)
    missing = sorted({name for name in _slot_names(text) if values.get(name) is None})
    if missing:
        raise TemplateProblem(
            [f"No value for {{{{ {name} }}}} in this letter." for name in missing]
        )
    # One pass: a value is put in as it is and never read again for placeholders, so a
    # victim called "{{ hub_phone }}" stays that way. Escaping is the layout's job.
    return _SLOT.sub(lambda slot: str(values[_slot_name(slot)]), text)


def _slot_name(slot: re.Match) -> str:
    return _NAME.fullmatch(slot.group(1)).group(1)


def _slot_names(text: str) -> list[str]:
    return [_slot_name(slot) for slot in _SLOT.finditer(text)]


def split_paragraphs(text: str) -> tuple[str, ...]:
    """A template body's paragraphs: blocks separated by blank lines, trimmed, none empty."""
    blocks = re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n").replace("\r", "\n"))
    return tuple(block.strip() for block in blocks if block.strip())


def date_in_words(day: dt.date) -> str:
    """A date as letters write it, e.g. "23 November 2026" (whatever the server's locale)."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def _time_in_words(value: str) -> str:
    hour, minute = (int(part) for part in value.split(":"))
    if not (0 <= hour <= 24 and 0 <= minute < 60) or (hour == 24 and minute):
        raise ValueError(f"Not a time of day: {value!r}")
    if minute == 0 and hour in (0, 24):
        return "midnight"
    if minute == 0 and hour == 12:
        return "midday"
    suffix = "am" if hour < 12 else "pm"
    twelve = hour % 12 or 12
    return f"{twelve}{suffix}" if minute == 0 else f"{twelve}:{minute:02d}{suffix}"


def hours_in_words(opening_hours: dict) -> str:
    """A force's opening hours as victims read them, e.g. "Monday to Friday 8am to 8pm, Saturday 9am to 5pm" (format used in hub.models.Force.opening_hours: {"mon": ["08:00","20:00"], …, "sun": None})."""  # noqa: E501
    # Consecutive days with the same hours read as one range ("Monday to Friday").
    runs: list[list] = []  # [index of the first day, of the last, hours in words]
    for index, (key, _) in enumerate(DAYS):
        pair = opening_hours.get(key)
        if not pair:
            continue
        opens, closes = pair
        hours = f"{_time_in_words(opens)} to {_time_in_words(closes)}"
        if runs and runs[-1][1] == index - 1 and runs[-1][2] == hours:
            runs[-1][1] = index
        else:
            runs.append([index, index, hours])
    parts = []
    for first, last, hours in runs:
        if first == last:
            days = DAYS[first][1]
        elif last == first + 1:
            days = f"{DAYS[first][1]} and {DAYS[last][1]}"
        else:
            days = f"{DAYS[first][1]} to {DAYS[last][1]}"
        parts.append(f"{days} {hours}")
    return ", ".join(parts)  # "" when the Hub never opens


@dataclass(frozen=True)
class LetterContent:
    """Everything one letter or email says, already filled in: what ``Letter.content`` keeps.

    ``paragraphs`` are the words from the template, plain text, starting with its
    salutation ("Dear …,"); a single line break inside a paragraph is kept. The layout
    adds the letterhead, address, date and reference before them and the sign-off after.
    """

    hub_name: str
    hub_phone: str
    hub_email: str
    hub_hours: str
    recipient_name: str
    address_lines: tuple[str, ...]  # street lines, town
    postcode: str
    date: dt.date
    reference: str  # the case reference, "VH-2026-000123"
    vcc_name: str  # who signs it
    subject: str
    paragraphs: tuple[str, ...]  # already filled, plain text (escaped when rendered)
    large_print: bool = False
    language: str = "en"

    def __post_init__(self):
        # Tuples, so that a list passed in cannot change a frozen letter afterwards.
        object.__setattr__(self, "address_lines", tuple(self.address_lines))
        object.__setattr__(self, "paragraphs", tuple(self.paragraphs))
        if len(self.address_lines) > MAX_ADDRESS_LINES:
            raise ValueError(
                f"An address has at most {MAX_ADDRESS_LINES} lines besides the name and "
                "postcode: more would not show in the envelope's window."
            )
        if not _LANGUAGE.fullmatch(self.language):
            raise ValueError(f"Not a language tag: {self.language!r}")

    def to_json(self) -> dict:
        """The content as JSON values, for ``Letter.content``; ``from_json`` reads it back."""
        data = dataclasses.asdict(self)
        data["date"] = self.date.isoformat()
        data["address_lines"] = list(self.address_lines)
        data["paragraphs"] = list(self.paragraphs)
        return data

    @classmethod
    def from_json(cls, data: Mapping) -> LetterContent:
        return cls(
            **{
                **data,
                "date": dt.date.fromisoformat(data["date"]),
                "address_lines": tuple(data["address_lines"]),
                "paragraphs": tuple(data["paragraphs"]),
            }
        )


def _context(content: LetterContent) -> dict:
    local, at, domain = content.hub_email.partition("@")
    return {
        "content": content,
        "date_in_words": date_in_words(content.date),
        "email_local": local + at,  # the letterhead breaks a long address after the @
        "email_domain": domain,
        # Large print enlarges the address too when it is short enough for the window.
        "address_is_long": len(content.address_lines) > 3,
        # The words the layout adds itself are English; they say so when the letter is not.
        "furniture_lang": "" if content.language.split("-")[0] == "en" else "en",
    }


def letter_html(content: LetterContent) -> str:
    """The letter as HTML for ``html_to_pdf`` with ``letter_stylesheets(content)``: A4,
    the address in a DL envelope's window."""
    return render_to_string("letters/letter.html", _context(content))


def letter_stylesheets(content: LetterContent) -> tuple[str, ...]:
    """The static stylesheets a letter is printed with, in cascade order."""
    if content.large_print:
        return ("letters/letter.css", "letters/large-print.css")
    return ("letters/letter.css",)


def letter_pdf(content: LetterContent) -> bytes:
    """The letter printed: the same content always gives the same bytes."""
    return html_to_pdf(letter_html(content), stylesheets=letter_stylesheets(content))


def email_parts(content: LetterContent) -> tuple[str, str, str]:
    """(subject, plain text, HTML) of the email saying what the letter says, minus the postal address."""  # noqa: E501
    context = _context(content)
    text = render_to_string("letters/email.txt", context).strip() + "\n"
    html = render_to_string("letters/email.html", context)
    return content.subject, text, html


# --- PDF --------------------------------------------------------------------------------

# Letters resolve their stylesheet and images against this base. The .invalid top-level
# domain never resolves (RFC 6761), and StaticFilesOnly answers for it from the app's
# static files without any network: a URL outside it is refused.
STATIC_BASE_URL = "https://letters.invalid/static/"
_STATIC_PREFIX = "letters/"  # only this app's own static files
_SERVED_TYPES = {
    ".css": "text/css",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".svg": "image/svg+xml",
}


class ResourceRefused(ValueError):
    """A letter asked for something other than the app's own static files.

    WeasyPrint catches it like any failed fetch: it logs the refusal, leaves the
    resource out and still makes the PDF.
    """


def _static_path(url: str) -> str:
    """The static file's name under STATIC_ROOT that ``url`` means, or ResourceRefused."""
    parts = urlsplit(url)
    base = urlsplit(STATIC_BASE_URL)
    # data: is refused too: nothing in a letter's layout needs one, and it would hand
    # unreviewed bytes to the image decoders and put them on a victim's letter.
    if (parts.scheme or parts.netloc) and (parts.scheme, parts.netloc) != (
        base.scheme,
        base.netloc,
    ):
        raise ResourceRefused(f"Letters may only use the Hub's own files, not {url[:80]}")
    path = unquote(parts.path)
    if path.startswith(base.path):
        path = path[len(base.path) :]
    elif path.startswith("/"):
        raise ResourceRefused(f"Not a static file: {url[:80]}")
    segments = path.split("/")
    if (
        "\\" in path
        or "\x00" in path
        or any(segment in ("", ".", "..") for segment in segments)
        or posixpath.normpath(path) != path
    ):
        raise ResourceRefused(f"Not a plain static file name: {url[:80]}")
    if not path.startswith(_STATIC_PREFIX):
        raise ResourceRefused(f"Not one of the letters' own files: {url[:80]}")
    return path


@functools.cache
def _fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticFilesOnly(URLFetcher):
        """Serves the letters app's static files; refuses every other URL (no network)."""

        def __init__(self):
            # fail_on_errors=False: a refused image is left out and the letter still made.
            super().__init__(allowed_protocols=(), allow_redirects=False, fail_on_errors=False)

        def fetch(self, url, headers=None):
            path = _static_path(url)
            content_type = _SERVED_TYPES.get(posixpath.splitext(path)[1].lower())
            if content_type is None:
                raise ResourceRefused(f"Letters do not use files of this type: {path}")
            found = finders.find(path)
            if not found:
                raise ResourceRefused(f"No such static file: {path}")
            with open(found, "rb") as file:
                body = file.read()
            return URLFetcherResponse(
                STATIC_BASE_URL + path, body, headers={"Content-Type": content_type}
            )

    return StaticFilesOnly


def static_files_only():
    """A WeasyPrint URL fetcher that serves only the letters app's static files."""
    return _fetcher_class()()


@functools.cache
def _renderer_state():
    """One font configuration per process, shared by every letter it prints.

    WeasyPrint builds a font configuration and parses each stylesheet afresh for every
    document by default: a fifth of a one-page letter's time. Parsed once here, the
    stylesheets give byte-for-byte the same PDF (tested), and letters print faster.
    """
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration(), {}


def _stylesheet(name: str):
    """The parsed stylesheet of the letters' static file ``name``, parsed once a process."""
    from weasyprint import CSS

    font_config, sheets = _renderer_state()
    if name not in sheets:
        _static_path(name)  # refuses anything but the letters' own files
        sheets[name] = CSS(
            url=STATIC_BASE_URL + name, url_fetcher=static_files_only(), font_config=font_config
        )
    return sheets[name]


def warm_up() -> None:
    """Load WeasyPrint, its fonts and the letters' stylesheets now (about a second), so
    that a worker's first letter is as quick as the rest."""
    html_to_pdf(
        '<html lang="en"><title>Warm-up</title><p>Warm-up</p></html>',
        stylesheets=("letters/letter.css", "letters/large-print.css"),
    )


def html_to_pdf(html: str, *, stylesheets: tuple[str, ...] = ()) -> bytes:
    """The PDF of HTML with the named static ``stylesheets``: tagged (PDF/UA-1) with its
    title and language, and byte-for-byte the same for the same input, so a stored hash
    can prove a reproduction."""
    # The only place WeasyPrint is imported: it loads Pango and its fonts when imported.
    from weasyprint import HTML

    font_config, _ = _renderer_state()
    document = HTML(string=html, base_url=STATIC_BASE_URL, url_fetcher=static_files_only())
    # PDF/UA-1 (tagged, /Lang from <html lang>, title from <title> and displayed) works
    # with the DejaVu fonts installed here, so no fallback to bare pdf_tags=True is needed.
    # No creation date and no file identifier keep the bytes reproducible.
    return document.write_pdf(
        stylesheets=[_stylesheet(name) for name in stylesheets],
        font_config=font_config,
        pdf_variant="pdf/ua-1",
        pdf_identifier=False,
    )
