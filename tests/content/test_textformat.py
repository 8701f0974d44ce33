"""The study-text format on its own: what parse makes of lines, and the errors naming a line."""

import itertools

import pytest

from content.textformat import (
    INTRODUCTORY_HEADING,
    MAX_BYTES,
    SECTION_HEADINGS,
    ParsedReading,
    TextFormatError,
    parse,
    parse_reading,
    render,
    render_reading,
)
from tests.support import SHIPPED_TEXT

SHIPPED_LINES = SHIPPED_TEXT.read_text(encoding="utf-8").splitlines()
READING_LINES = [
    line
    for line in SHIPPED_LINES[SHIPPED_LINES.index(INTRODUCTORY_HEADING) :]
    if line not in SECTION_HEADINGS
]

TEXT = b"15. Tragedy in China\nThis struggle was cut across by new upheavals.\n"
QUESTIONS = TEXT + b"Questions for Discussion\n- What went wrong?\n"

# (file, line named, reason): the import_text command tests use this table too.
BAD_FILES = [
    pytest.param(TEXT + "Café.\n".encode("latin-1"), 3, "is not valid UTF-8", id="not-utf8"),
    pytest.param(b"", 1, "the file is empty", id="empty"),
    pytest.param(b"\n   \n\t\n", 1, "the file is empty", id="blank-lines"),
    pytest.param(b"Foreword.\n" + TEXT, 1, "expected a chapter heading", id="no-heading"),
    pytest.param(TEXT + TEXT, 3, "chapter 15 appears twice (first at line 1)", id="repeated"),
    pytest.param(b"16. B\nText.\n" + TEXT, 3, "chapter 15 comes after chapter 16", id="order"),
    pytest.param(b"14. Empty\n" + TEXT, 1, "chapter 14 has no text", id="empty-chapter"),
    pytest.param(QUESTIONS + b"Why?\n", 5, "expected a question written as", id="no-dash"),
    pytest.param(
        TEXT + b"Questions for Discussion\nFurther Study\nIdeals of October\n",
        3,
        "no questions follow this heading",
        id="empty-questions",
    ),
    pytest.param(b"15. A\nText\x00.\n", 2, "contains a control character (U+0000)", id="nul"),
    pytest.param(
        QUESTIONS + b"Questions for Discussion\n- Again?\n",
        5,
        "“Questions for Discussion” appears twice (first at line 3)",
        id="duplicate-section",
    ),
    pytest.param(
        QUESTIONS + b"16. Later\nText.\n",
        5,
        "chapter heading inside “Questions for Discussion”",
        id="chapter-after-questions",
    ),
    pytest.param(
        TEXT + b"Further Study\n(p9-10)\n",
        4,
        "reading has no title",
        id="reading-without-title",
    ),
]
PARSE_ONLY = [
    pytest.param(TEXT + b"Questions for Discussion\n", 3, "no questions follow", id="q-at-end"),
    pytest.param(b"Further Study\nX\n" + TEXT, 1, "comes before any chapter", id="early-section"),
    pytest.param(
        TEXT + b"Further Study\nX\nFurther Reading: Introductory\nY\n",
        5,
        "“Further Reading: Introductory” is out of order",
        id="sections-out-of-order",
    ),
    pytest.param(TEXT + b"Further Study\n  (p9-10)\n", 4, "reading has no title", id="blank-title"),
    pytest.param(TEXT + b"Further Study\n" + b"T" * 301, 4, "title longer than 300", id="long"),
    pytest.param(
        TEXT + "“Quoted.” ({})\n".format("x" * 301).encode(),
        3,
        "citation longer than 300 characters",
        id="long-citation",
    ),
    pytest.param(TEXT + b"x" * MAX_BYTES, 1, "larger than 5 MB", id="too-big"),
]


@pytest.mark.parametrize(("data", "line", "reason"), BAD_FILES + PARSE_ONLY)
def test_parse_error_names_the_line(data, line, reason):
    with pytest.raises(TextFormatError) as exc:
        parse(data)
    assert exc.value.line == line
    assert reason in exc.value.reason


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (["Plain words."], [("plain", "Plain words.", "")]),
        (
            ["“From victory to victory.” (From Lenin to Stalin, page 44)"],
            [("quotation", "“From victory to victory.”", "From Lenin to Stalin, page 44")],
        ),
        (["“Were advancing…”"], [("quotation", "“Were advancing…”", "")]),
        (["“Broad support” was the aim."], [("plain", "“Broad support” was the aim.", "")]),
        (
            ["Give us forty,", "Give us hundreds,", "Thousands;"],
            [("verse", "Give us forty,\nGive us hundreds,\nThousands;", "")],
        ),
        (
            ["Trotsky sums up:", "Short."],
            [("plain", "Trotsky sums up:", ""), ("plain", "Short.", "")],
        ),
    ],
    ids=["plain", "cited-quotation", "quotation", "quoted-phrase", "verse", "two-short-lines"],
)
def test_paragraph_kinds(lines, expected):
    (chapter,) = parse(("15. Tragedy\n" + "\n".join(lines)).encode()).chapters
    assert [(p.kind, p.body, p.citation) for p in chapter.paragraphs] == expected


def test_bom_and_crlf_are_accepted():
    (chapter,) = parse(b"\xef\xbb\xbf15. Tragedy in China\r\nText.  \r\n").chapters
    assert (chapter.number, chapter.title, chapter.paragraphs[0].body) == (
        15,
        "Tragedy in China",
        "Text.",
    )


def test_render_gives_back_every_shipped_line():
    assert render(parse(SHIPPED_TEXT.read_bytes())) == SHIPPED_LINES


@pytest.mark.parametrize("line", READING_LINES)
def test_shipped_reading_lines_render_back(line):
    assert render_reading(parse_reading(line)) == line


def test_every_combination_of_reading_fields_survives_a_round_trip():
    titles = ["Ideals of October", "Lenin and Trotsky: What They Really Stood For"]
    authors = ["", "Trotsky", "Grand and Taaffe"]
    references = ["", "p9-10", "Chapter 8 p115-145 and chapter 9"]
    notes = ["", "Covers the issues fully", "Deals fully with the Chinese Revolution"]
    for fields in itertools.product(titles, authors, references, notes):
        reading = ParsedReading(*fields)
        assert parse_reading(render_reading(reading)) == reading
