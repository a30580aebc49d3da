"""Letters and emails from their words: placeholders, the printed letter, the email.

The PDFs are read back the way a person or a franking machine would see them: the text
with ``pdftotext -layout``, where each word sits with ``pdftotext -bbox``, the font sizes
and tags with pypdf.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import io
import itertools
import re
import socket
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from hub.calendar import DEFAULT_OPENING_HOURS
from letters import rendering
from letters.rendering import (
    ADDRESS_WINDOW_MM,
    PLACEHOLDERS,
    LetterContent,
    ResourceRefused,
    TemplateProblem,
    check_placeholders,
    date_in_words,
    email_parts,
    fill,
    hours_in_words,
    html_to_pdf,
    letter_html,
    letter_stylesheets,
    split_paragraphs,
    static_files_only,
)

PDFTOTEXT = "/usr/bin/pdftotext"
POINTS_PER_MM = 72 / 25.4

SHORT_PARAGRAPHS = (
    "Dear Jane O'Brien,",
    "We are writing because you recently reported a crime to Cambridgeshire Police. "
    "We are sorry that this happened to you.",
    "The Victims' Hub offers free, confidential help to anyone affected by crime, "
    "whether or not you want to talk about what happened.",
    "We tried to phone you but could not reach you. If you would like to talk to us, "
    "please call us on the number above when we are open.",
    "If you do not need our help now, you can still contact us at any time.",
)
# The salutation and four short paragraphs, as a template's body splits.


def make_content(**changes) -> LetterContent:
    content = LetterContent(
        hub_name="Cambridgeshire Victims' Hub",
        hub_phone="0800 952 3000",
        hub_email="victimshub@cambs.police.uk",
        hub_hours="Monday to Friday 8am to 8pm, Saturday 9am to 5pm",
        recipient_name="Jane O'Brien",
        address_lines=("Flat 2", "14 Mill Road", "Cambridge"),
        postcode="CB1 2AB",
        date=dt.date(2026, 11, 23),
        reference="VH-2026-000123",
        vcc_name="Samira Okafor",
        subject="Help after your report to the police",
        paragraphs=SHORT_PARAGRAPHS,
    )
    return dataclasses.replace(content, **changes)


# A long address: the name, five lines and the postcode are the most a window takes.
LONG_ADDRESS = {
    "recipient_name": "Mr Christopher Featherstonehaugh",
    "address_lines": (
        "Flat 12",
        "Riverside Court",
        "147 Newmarket Road",
        "Fen Ditton",
        "Cambridge",
    ),
    "postcode": "CB5 8AA",
}


# --- reading PDFs back ------------------------------------------------------------------


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "letter.pdf"
    path.write_bytes(pdf)
    result = subprocess.run(  # noqa: S603 - a fixed program on a file the test wrote
        [PDFTOTEXT, "-layout", str(path), "-"], capture_output=True, check=True, text=True
    )
    return result.stdout


@dataclasses.dataclass
class Word:
    text: str
    x_min: float
    y_min: float
    x_max: float
    y_max: float

    def inside(self, rect: tuple[float, float, float, float]) -> bool:
        left, top, right, bottom = rect
        return (
            left <= self.x_min
            and self.x_max <= right
            and top <= self.y_min
            and self.y_max <= bottom
        )

    def overlaps(self, rect: tuple[float, float, float, float]) -> bool:
        left, top, right, bottom = rect
        return self.x_min < right and left < self.x_max and self.y_min < bottom and top < self.y_max


WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>'
)


def pdf_words(pdf: bytes, tmp_path: Path) -> list[list[Word]]:
    """The words on each page, with their boxes in points from the page's top-left corner."""
    path = tmp_path / "letter.pdf"
    path.write_bytes(pdf)
    result = subprocess.run(  # noqa: S603 - a fixed program on a file the test wrote
        [PDFTOTEXT, "-bbox", str(path), "-"], capture_output=True, check=True, text=True
    )
    pages = result.stdout.split("<page ")[1:]
    return [
        [
            Word(html.unescape(text), float(x0), float(y0), float(x1), float(y1))
            for x0, y0, x1, y1, text in WORD.findall(page)
        ]
        for page in pages
    ]


def font_sizes(pdf: bytes) -> list[tuple[float, str]]:
    """(size in points, text) of each run of text, as pypdf reads the content streams."""
    sizes = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            sizes.append((round(size * abs(tm[3]) * abs(cm[3]), 1), text.strip()))

    for page in PdfReader(io.BytesIO(pdf)).pages:
        page.extract_text(visitor_text=visit)
    return sizes


def window_in_points(slack_mm: float = 0.0) -> tuple[float, float, float, float]:
    left, top, width, height = ADDRESS_WINDOW_MM
    return (
        (left - slack_mm) * POINTS_PER_MM,
        (top - slack_mm) * POINTS_PER_MM,
        (left + width + slack_mm) * POINTS_PER_MM,
        (top + height + slack_mm) * POINTS_PER_MM,
    )


def address_words(content: LetterContent) -> list[str]:
    lines = (content.recipient_name, *content.address_lines, content.postcode)
    return [word for line in lines for word in line.split()]


@pytest.fixture(scope="module")
def letter_pdf() -> bytes:
    return rendering.letter_pdf(make_content())


@pytest.fixture(scope="module")
def large_print_pdf() -> bytes:
    return rendering.letter_pdf(make_content(large_print=True))


# --- the printed letter -----------------------------------------------------------------


def test_letter_shows_name_address_date_reference_signatory_and_hub_phone(letter_pdf, tmp_path):
    # Given a letter to Jane O'Brien at her Cambridge flat
    content = make_content()

    # When it is printed and read back as text
    text = pdf_text(letter_pdf, tmp_path)

    # Then everything the victim and the postman need is there, the date in words
    for expected in (
        "Jane O'Brien",
        "Flat 2",
        "14 Mill Road",
        "Cambridge",
        "CB1 2AB",
        "23 November 2026",
        "Our reference: VH-2026-000123",
        "Samira Okafor",
        "Victim Care Co-ordinator",
        "0800 952 3000",
        "victimshub@cambs.police.uk",
        "Monday to Friday 8am to 8pm",
        content.subject,
        "Dear Jane O'Brien,",
        "Yours sincerely",
    ):
        assert expected in text, expected
    # ... and every paragraph, whole (lines joined again)
    flowing = " ".join(text.split())
    for paragraph in SHORT_PARAGRAPHS:
        assert paragraph in flowing


def test_normal_letter_of_four_short_paragraphs_fits_on_one_a4_page(letter_pdf):
    # Given a letter of four short paragraphs, printed
    reader = PdfReader(io.BytesIO(letter_pdf))

    # Then it is one A4 portrait page
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert round(float(box.width) / POINTS_PER_MM) == 210
    assert round(float(box.height) / POINTS_PER_MM) == 297


@pytest.mark.parametrize("large_print", [False, True], ids=["standard", "large-print"])
@pytest.mark.parametrize("address", [{}, LONG_ADDRESS], ids=["short-address", "long-address"])
def test_address_lies_inside_the_dl_envelope_window(large_print, address, tmp_path):
    # Given a letter, short or long address, standard or large print
    content = make_content(large_print=large_print, **address)

    # When it is printed
    first_page = pdf_words(rendering.letter_pdf(content), tmp_path)[0]

    # Then every word of the name, the address and the postcode is inside the window
    expected = address_words(content)
    window = window_in_points()
    placed = [word for word in first_page if word.text in expected and word.inside(window)]
    assert sorted(word.text for word in placed) == sorted(expected)
    # ... and the postcode is the last line, with the name on the first
    postcode_top = min(word.y_min for word in placed if word.text in content.postcode.split())
    name_top = min(word.y_min for word in placed if word.text in content.recipient_name.split())
    assert name_top < postcode_top


@pytest.mark.parametrize("large_print", [False, True], ids=["standard", "large-print"])
def test_nothing_but_the_address_shows_through_the_window_even_if_the_letter_slides(
    large_print, tmp_path
):
    # Given a printed letter (a folded A4 sheet slides several mm inside a DL envelope)
    content = make_content(large_print=large_print, **LONG_ADDRESS)
    first_page = pdf_words(rendering.letter_pdf(content), tmp_path)[0]

    # When we look at the window and 8 mm around it
    seen = [word.text for word in first_page if word.overlaps(window_in_points(slack_mm=8))]

    # Then only the address shows: nothing on the envelope says the Hub wrote
    assert sorted(seen) == sorted(address_words(content))


def test_large_print_has_text_of_at_least_16pt_and_runs_longer(
    letter_pdf, large_print_pdf, tmp_path
):
    # Given the same letter in standard and in large print
    standard_sizes = font_sizes(letter_pdf)
    large_sizes = font_sizes(large_print_pdf)

    # Then the body text of the large print is at least 16 pt, and bigger than standard
    def body_size(sizes):
        return next(size for size, text in sizes if text.startswith("We are writing"))

    assert body_size(large_sizes) >= 16
    assert body_size(large_sizes) > body_size(standard_sizes)
    # ... and so is everything else but the address, which must still fit the window
    address = {make_content().recipient_name, *make_content().address_lines, "CB1 2AB"}
    assert min(size for size, text in large_sizes if text not in address) >= 16
    assert min(size for size, text in large_sizes if text in address) >= 14
    # ... the words are taller on the page too
    standard_words = [w for page in pdf_words(letter_pdf, tmp_path) for w in page]
    large_words = [w for page in pdf_words(large_print_pdf, tmp_path) for w in page]

    def height_of(words, text):
        return next(w.y_max - w.y_min for w in words if w.text == text)

    assert height_of(large_words, "writing") > 1.3 * height_of(standard_words, "writing")
    # ... and it runs to more pages
    assert len(PdfReader(io.BytesIO(large_print_pdf)).pages) > 1
    assert "Samira Okafor" in pdf_text(large_print_pdf, tmp_path)


def test_large_print_lines_are_spaced_at_one_and_a_half(large_print_pdf, tmp_path):
    # Given a large-print letter
    words = pdf_words(large_print_pdf, tmp_path)[0]

    # When we measure from one line of the text to the next (below the address)
    left_margin = 20 * POINTS_PER_MM
    tops = sorted(
        {round(w.y_min, 1) for w in words if abs(w.x_min - left_margin) < 1 and w.y_min > 260}
    )
    steps = [below - above for above, below in itertools.pairwise(tops)]

    # Then lines within a paragraph are 16 pt x 1.5 = 24 pt apart
    assert len(steps) > 5
    assert min(steps) == pytest.approx(24, abs=0.2)


def test_pdf_is_tagged_for_screen_readers_with_its_language_and_title(letter_pdf):
    # Given a printed letter
    reader = PdfReader(io.BytesIO(letter_pdf))
    catalog = reader.trailer["/Root"]

    # Then it is a tagged PDF (PDF/UA-1) in English, showing its title
    assert catalog["/MarkInfo"]["/Marked"].value is True
    assert "/StructTreeRoot" in catalog
    assert catalog["/Lang"] == "en"
    assert catalog["/ViewerPreferences"]["/DisplayDocTitle"].value is True
    assert reader.metadata.title == "Help after your report to the police"
    assert b"pdfuaid" in catalog["/Metadata"].get_object().get_data()


def test_welsh_letter_is_tagged_welsh_with_the_english_furniture_marked_english():
    # Given a letter whose words are in Welsh
    content = make_content(language="cy", subject="Cymorth ar ôl eich adroddiad")

    # When it is laid out and printed
    page = letter_html(content)
    pdf = html_to_pdf(page, stylesheets=letter_stylesheets(content))

    # Then the document's language is Welsh and the layout's own English words say so
    assert '<html lang="cy">' in page
    assert 'lang="en"' in page
    assert PdfReader(io.BytesIO(pdf)).trailer["/Root"]["/Lang"] == "cy"


def test_same_content_prints_to_the_same_bytes(letter_pdf):
    # Given a letter printed once
    # When the same content is printed again
    again = rendering.letter_pdf(make_content())

    # Then the PDF is identical, so its stored hash proves a reproduction
    assert again == letter_pdf


def test_stylesheets_parsed_once_print_what_weasyprint_prints_parsing_them_afresh():
    # Given standard and large-print letters, printed in turn by the same process with
    # its stylesheets parsed once
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    letters = [make_content(), make_content(large_print=True)] * 2
    cached = [rendering.letter_pdf(content) for content in letters]

    # When WeasyPrint prints the same HTML with everything parsed afresh
    def afresh(content):
        font_config = FontConfiguration()
        sheets = [
            CSS(
                url=rendering.STATIC_BASE_URL + name,
                url_fetcher=rendering.static_files_only(),
                font_config=font_config,
            )
            for name in letter_stylesheets(content)
        ]
        return HTML(
            string=letter_html(content),
            base_url=rendering.STATIC_BASE_URL,
            url_fetcher=rendering.static_files_only(),
        ).write_pdf(
            stylesheets=sheets,
            font_config=font_config,
            pdf_variant="pdf/ua-1",
            pdf_identifier=False,
        )

    # Then each PDF is the same to the byte, and large print differs from standard
    assert cached == [afresh(content) for content in letters]
    assert cached[0] != cached[1]


def test_only_the_letters_own_stylesheets_can_be_named():
    # Given a stylesheet name outside the letters' static files
    # When a letter is printed with it
    # Then it is refused before anything is fetched
    with pytest.raises(rendering.ResourceRefused):
        html_to_pdf("<html lang='en'><title>x</title></html>", stylesheets=("../hub.css",))


def test_letter_escapes_markup_in_a_victims_name_and_in_the_words(tmp_path):
    # Given a name, an address line and a paragraph carrying markup
    content = make_content(
        recipient_name="<script>alert(1)</script> Smith",
        address_lines=('<img src="http://example.com/x.png">', "Cambridge"),
        paragraphs=("Call us <b>today</b> & tomorrow.",),
    )

    # When the letter is laid out and printed
    page = letter_html(content)
    text = pdf_text(html_to_pdf(page, stylesheets=letter_stylesheets(content)), tmp_path)

    # Then the markup is text, not markup, on the page and in the PDF
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Smith" in page
    assert "<img" not in page
    assert "<b>" not in page
    assert "&amp; tomorrow" in page
    assert "<script>alert(1)</script> Smith" in text
    assert "Call us <b>today</b> & tomorrow." in text


def test_a_line_break_inside_a_paragraph_is_kept():
    # Given a paragraph with a line break
    content = make_content(paragraphs=("Phone: 0800 952 3000\nText: 07700 900123",))

    # When it is laid out
    page = letter_html(content)

    # Then the break is a <br>, not a new paragraph
    assert "Phone: 0800 952 3000<br>Text: 07700 900123" in page


# --- what the renderer may fetch --------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/x.png",
        "https://example.com/x.png",
        "//example.com/x.png",
        "file:///etc/passwd",
        "/static/../../etc/passwd",
        "/etc/passwd",
        "data:image/png;base64,iVBORw0KGgo=",
        "ftp://example.com/x.png",
        "https://letters.invalid/static/letters/../../../etc/passwd",
        "https://letters.invalid/static/%2e%2e/%2e%2e/etc/passwd",
        "https://letters.invalid/static/letters/%2e%2e/%2e%2e/hub/settings.py",
        "https://letters.invalid/etc/passwd",
        "https://letters.invalid:8443/static/letters/letter.css",
        "https://user@letters.invalid/static/letters/letter.css",
        "https://letters.invalid/static/govuk/govuk-frontend.min.css",
        "https://letters.invalid/static/letters/missing.css",
        "https://letters.invalid/static/letters/rendering.py",
        "letters/..\\..\\etc\\passwd.css",
    ],
)
def test_fetcher_refuses_anything_but_the_letters_own_static_files(url):
    # Given the renderer's URL fetcher
    fetcher = static_files_only()

    # When it is asked for anything else
    # Then it refuses, without a network or a file outside the static files
    with pytest.raises(ResourceRefused):
        fetcher.fetch(url)


@pytest.mark.parametrize(
    "url",
    ["https://letters.invalid/static/letters/letter.css", "/static/letters/letter.css"],
)
def test_fetcher_serves_the_letters_stylesheet(url):
    # Given the renderer's URL fetcher
    fetcher = static_files_only()

    # When it is asked for the letter's stylesheet
    response = fetcher.fetch(url)

    # Then it serves the source file as CSS
    source = Path(rendering.__file__).parent / "static" / "letters" / "letter.css"
    assert response.content_type == "text/css"
    assert response.read() == source.read_bytes()


@pytest.fixture
def no_network(monkeypatch):
    """Fails the test's network use: every attempt is recorded and refused."""
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise OSError("network use in a rendering test")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    return attempts


def image_count(pdf: bytes) -> int:
    count = 0
    for page in PdfReader(io.BytesIO(pdf)).pages:
        xobjects = page["/Resources"].get("/XObject") or {}
        count += sum(1 for ref in xobjects.values() if ref.get_object().get("/Subtype") == "/Image")
    return count


def test_html_naming_remote_and_local_files_still_prints_without_them(no_network, tmp_path):
    # Given HTML that names a remote image, a local file, a traversal, an inline image and
    # remote stylesheets
    page = """<!DOCTYPE html><html lang="en"><head><title>Probe</title>
      <link rel="stylesheet" href="http://example.com/evil.css">
      <style>@import url("https://example.com/more.css");
        body { background: url("file:///etc/passwd"); }</style></head>
      <body><p>Still printed</p>
      <img src="http://example.com/x.png" alt="">
      <img src="file:///etc/passwd" alt="">
      <img src="/static/../../etc/passwd" alt="">
      <img src="data:image/png;base64,iVBORw0KGgo=" alt="">
      </body></html>"""

    # When it is printed
    pdf = html_to_pdf(page)

    # Then there is a PDF with the text, no image, and no attempt to reach a network
    assert pdf.startswith(b"%PDF-")
    assert "Still printed" in pdf_text(pdf, tmp_path)
    assert image_count(pdf) == 0
    assert no_network == []


def test_an_image_among_the_letters_static_files_is_printed(monkeypatch, no_network, tmp_path):
    # Given a logo found among the letters' static files (so that "no image" above means
    # refused, not broken)
    from PIL import Image

    logo = tmp_path / "logo.png"
    Image.new("RGB", (4, 4), "navy").save(logo)
    real_find = rendering.finders.find
    monkeypatch.setattr(
        rendering.finders,
        "find",
        lambda path, **kw: str(logo) if path == "letters/logo.png" else real_find(path, **kw),
    )
    page = '<html lang="en"><title>Logo</title><img src="letters/logo.png" alt="Logo"></html>'

    # When it is printed
    pdf = html_to_pdf(page)

    # Then the image is in the PDF
    assert image_count(pdf) == 1
    assert no_network == []


# --- placeholders -----------------------------------------------------------------------


def test_check_placeholders_accepts_every_placeholder_with_or_without_spaces():
    # Given a text using every placeholder, spaced and unspaced
    text = "\n".join(f"{{{{ {name} }}}} and {{{{{name}}}}}" for name in PLACEHOLDERS)

    # Then it has no problems
    assert check_placeholders(text) == []
    assert check_placeholders("No placeholders at all.") == []


def test_check_placeholders_finds_a_misspelt_placeholder():
    # Given a misspelt placeholder on the second line
    problems = check_placeholders("Dear {{ given_name }},\nWe wrote to {{ victim_nmae }}.")

    # Then it names it and its line
    assert len(problems) == 1
    assert "victim_nmae" in problems[0]
    assert "Line 2" in problems[0]


@pytest.mark.parametrize(
    "text",
    [
        "Dear {{ victim_name",
        "Dear {{ victim_name }",
        "Dear victim_name }}",
        "Dear { victim_name }",
        "Dear {{ victim_name }}}",
        "{% if court %}At {{ court }}{% endif %}",
        "{# a comment #}",
        "Dear {{ victim name }}",
        "Dear {{ victim_name|upper }}",
        "Dear {{ }}",
    ],
)
def test_check_placeholders_finds_unbalanced_braces_and_template_logic(text):
    # Given a text with a brace that is not part of a placeholder
    # Then there is a problem to show the administrator
    assert check_placeholders(text)


def test_check_placeholders_names_template_logic_once_per_tag():
    # Given an administrator trying an "if"
    problems = check_placeholders("{% if court %}At {{ court }}.{% endif %}")

    # Then each tag is one problem, saying letters have no logic
    assert len(problems) == 2
    assert all("template logic" in problem for problem in problems)


def test_fill_puts_values_in_without_escaping_or_reading_them_again():
    # Given a text with placeholders spaced in different ways
    text = "Dear {{given_name}}, call {{ hub_phone }} about {{   offence_description }}."

    # When it is filled with a value carrying markup and another looking like a placeholder
    filled = fill(
        text,
        {
            "given_name": "<b>Jane</b>",
            "hub_phone": "{{ hub_email }}",
            "offence_description": "burglary",
            "unused": "ignored",
        },
    )

    # Then the values are in as they are: escaping is the layout's job
    assert filled == "Dear <b>Jane</b>, call {{ hub_email }} about burglary."


def test_fill_refuses_an_unknown_placeholder():
    # Given a text with an unknown placeholder
    # When it is filled
    # Then it is refused, naming the placeholder
    with pytest.raises(TemplateProblem, match="victim_nmae"):
        fill("Dear {{ victim_nmae }}", {"victim_name": "Jane"})


def test_fill_refuses_a_missing_value():
    # Given a text using the court, and values without one
    # When it is filled
    # Then it is refused, naming what is missing
    with pytest.raises(TemplateProblem, match="court") as refused:
        fill("At {{ court }} on {{ hearing_date }}", {"hearing_date": "1 December 2026"})
    assert refused.value.problems == ["No value for {{ court }} in this letter."]
    assert isinstance(refused.value, ValueError)


def test_split_paragraphs_takes_blank_lines_as_breaks():
    # Given a template body with blank lines, spaces and Windows line ends
    body = "First line\r\nsame paragraph.\r\n\r\n  Second.  \n \n\n\nThird.\n"

    # Then the paragraphs come out trimmed, a single line break kept
    assert split_paragraphs(body) == ("First line\nsame paragraph.", "Second.", "Third.")


# --- dates, hours, the content -----------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "words"),
    [
        (dt.date(2026, 11, 23), "23 November 2026"),
        (dt.date(2027, 1, 1), "1 January 2027"),
    ],
)
def test_date_in_words(day, words):
    assert date_in_words(day) == words


def test_hours_in_words_for_the_default_opening_hours():
    # Given the Hub's default opening hours, as Force.opening_hours stores them
    hours = {day: (list(pair) if pair else None) for day, pair in DEFAULT_OPENING_HOURS.items()}

    # Then victims read them as one sentence
    assert hours_in_words(hours) == "Monday to Friday 8am to 8pm, Saturday 9am to 5pm"


def test_hours_in_words_for_a_force_closed_on_saturday():
    # Given a force open on weekdays only, closing early on Friday
    hours = {
        "mon": ["08:00", "20:00"],
        "tue": ["08:00", "20:00"],
        "wed": ["08:00", "20:00"],
        "thu": ["08:00", "20:00"],
        "fri": ["08:00", "17:30"],
        "sat": None,
        "sun": None,
    }

    # Then Saturday is left out
    assert hours_in_words(hours) == "Monday to Thursday 8am to 8pm, Friday 8am to 5:30pm"


def test_hours_in_words_joins_two_days_with_and_and_names_midday():
    # Given a force open at weekends only
    hours = {"sat": ["09:00", "12:00"], "sun": ("09:00", "12:00")}

    # Then the two days read as a pair
    assert hours_in_words(hours) == "Saturday and Sunday 9am to midday"


def test_content_round_trips_through_json():
    # Given a letter's content
    content = make_content(large_print=True)

    # When it is stored as JSON and read back
    # Then nothing is lost
    assert LetterContent.from_json(content.to_json()) == content


def test_content_refuses_an_address_too_long_for_the_window():
    # Given six address lines besides the name and postcode
    # Then the content is refused: the seventh and eighth lines would not show
    with pytest.raises(ValueError, match="window"):
        make_content(address_lines=("1", "2", "3", "4", "5", "6"))


# --- email ------------------------------------------------------------------------------


def test_email_has_the_letters_subject_and_paragraphs_in_text_and_html():
    # Given a letter's content
    content = make_content()

    # When it is made into an email
    subject, text, body = email_parts(content)

    # Then both parts say what the letter says
    assert subject == content.subject
    for paragraph in content.paragraphs:
        assert paragraph in text
        assert html.escape(paragraph) in body
    for part in (text, html.unescape(body)):
        assert "Dear Jane O'Brien," in part
        assert "Samira Okafor" in part
        assert "Victim Care Co-ordinator" in part
        assert "Our reference: VH-2026-000123" in part
        assert "0800 952 3000" in part
    # ... and the paragraphs come in the same order
    assert [text.index(p) for p in content.paragraphs] == sorted(
        text.index(p) for p in content.paragraphs
    )


def test_email_escapes_markup_in_html_and_leaves_the_text_part_as_written():
    # Given a victim's name (filled into the salutation) and a paragraph carrying markup
    content = make_content(
        recipient_name="<script>alert(1)</script> O'Brien",
        paragraphs=(
            "Dear <script>alert(1)</script> O'Brien,",
            'Call us <a href="http://evil.example">here</a> & now.',
        ),
    )

    # When it is made into an email
    _, text, body = email_parts(content)

    # Then the HTML part escapes it, the text part has it exactly as written
    assert "<script>" not in body
    assert "<a href" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt; O&#x27;Brien" in body
    assert "Dear <script>alert(1)</script> O'Brien," in text
    assert 'Call us <a href="http://evil.example">here</a> & now.' in text
