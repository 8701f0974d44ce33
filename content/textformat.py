"""The plain-text format study texts are written in: read it, and write it back.

One paragraph a line. A chapter starts at a heading line such as ``15. Tragedy in China``.
Quotations are paragraphs in curly quotes, optionally closed by a citation in brackets;
a run of three or more short lines is a verse block. After the last chapter come
``Questions for Discussion`` (``- `` items), ``Further Reading: Introductory`` and
``Further Study`` (one reading a line: ``Title by Author (reference) Note``).

Parsing is pure (no database): ``parse`` gives a ``ParsedText`` or raises
``TextFormatError`` naming the line; ``render`` turns a ``ParsedText`` back into lines.
Every line ``parse`` accepts comes back unchanged from ``render(parse(...))``.
"""

import re
import unicodedata
from dataclasses import dataclass, field

QUESTIONS_HEADING = "Questions for Discussion"
INTRODUCTORY_HEADING = "Further Reading: Introductory"
FURTHER_HEADING = "Further Study"
SECTION_HEADINGS = (QUESTIONS_HEADING, INTRODUCTORY_HEADING, FURTHER_HEADING)

PLAIN, QUOTATION, VERSE = "plain", "quotation", "verse"
INTRODUCTORY, FURTHER = 1, 2

MAX_BYTES = 5 * 1024 * 1024
MAX_HEADING = 200
VERSE_MAX_LINE = 50  # a verse line is short ...
VERSE_MIN_LINES = 3  # ... and comes with at least two more
MAX_CITATION = 300
READING_LIMITS = {"title": 300, "author": 200, "reference": 200, "note": 300}

HEADING_RE = re.compile(r"^([1-9][0-9]{0,3})\. (\S.*)$")
CITATION_RE = re.compile(r"^(?P<body>.*\S) \((?P<citation>[^()]+)\)$")
READING_REF_RE = re.compile(r"^(?P<head>(?:.+? )?)\((?P<reference>[^()]+)\)(?: (?P<tail>.+))?$")
READING_AUTHOR_RE = re.compile(r"^(?P<title>.+) by (?P<author>[A-Z\u2018\u201c].*)$")
OPENING_QUOTES = ("\u201c", "\u2018")  # “ ‘
CLOSING_MARKS = ("\u201d", "\u2019", "\u2026")  # ” ’ …
# Words that stay lower case inside a title; any other lower-case word starts a note.
TITLE_SMALL_WORDS = frozenset(
    "a an and as at but by for from in into of on or per than the to upon versus vs with".split()
)


class TextFormatError(ValueError):
    def __init__(self, line: int, reason: str):
        super().__init__(f"line {line}: {reason}")
        self.line = line
        self.reason = reason


@dataclass
class ParsedParagraph:
    kind: str
    body: str
    citation: str = ""


@dataclass
class ParsedChapter:
    number: int
    title: str
    line: int
    paragraphs: list[ParsedParagraph] = field(default_factory=list)


@dataclass(frozen=True)
class ParsedReading:
    title: str
    author: str = ""
    reference: str = ""
    note: str = ""


@dataclass
class ParsedText:
    chapters: list[ParsedChapter] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)
    readings: list[tuple[int, ParsedReading]] = field(default_factory=list)


def decode(data: bytes) -> list[str]:
    """The file's lines, or a TextFormatError for bytes no study text has."""
    if len(data) > MAX_BYTES:
        raise TextFormatError(1, f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        at = data.count(b"\n", 0, exc.start) + 1
        raise TextFormatError(at, "is not valid UTF-8 text (save the file as UTF-8)") from None
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    for number, line in enumerate(lines, 1):
        for char in line:
            if unicodedata.category(char) == "Cc" and char != "\t":
                raise TextFormatError(number, f"contains a control character (U+{ord(char):04X})")
    # Runs of spaces and tabs mean nothing in this format: one space, as render writes it.
    lines = [" ".join(line.split()) for line in lines]
    if not any(lines):
        raise TextFormatError(1, "the file is empty")
    return lines


def parse(data: bytes) -> ParsedText:
    lines = decode(data)
    parsed = ParsedText()
    section = "chapters"
    seen_chapters: dict[int, int] = {}
    seen_sections: dict[str, int] = {}
    chapter_lines: list[tuple[int, str]] = []
    section_items = 0

    def close_section() -> None:
        if section != "chapters" and not section_items:
            what = "questions" if section == QUESTIONS_HEADING else "readings"
            raise TextFormatError(seen_sections[section], f"no {what} follow this heading")

    def close_chapter() -> None:
        if parsed.chapters:
            chapter = parsed.chapters[-1]
            chapter.paragraphs = _paragraphs(chapter_lines)
            if not chapter.paragraphs:
                raise TextFormatError(chapter.line, f"chapter {chapter.number} has no text")
            chapter_lines.clear()

    for number, line in enumerate(lines, 1):
        if not line:
            continue
        if line in SECTION_HEADINGS:
            if not parsed.chapters:
                raise TextFormatError(number, f"“{line}” comes before any chapter")
            if line in seen_sections:
                raise TextFormatError(
                    number, f"“{line}” appears twice (first at line {seen_sections[line]})"
                )
            order = SECTION_HEADINGS.index(line)
            if any(SECTION_HEADINGS.index(s) > order for s in seen_sections):
                raise TextFormatError(number, f"“{line}” is out of order")
            if section == "chapters":
                close_chapter()
            close_section()
            seen_sections[line] = number
            section, section_items = line, 0
            continue

        heading = HEADING_RE.match(line)
        if heading and len(heading[2]) <= MAX_HEADING:
            if section != "chapters":
                raise TextFormatError(number, f"chapter heading inside “{section}”")
            chapter_number = int(heading[1])
            if chapter_number in seen_chapters:
                raise TextFormatError(
                    number,
                    f"chapter {chapter_number} appears twice "
                    f"(first at line {seen_chapters[chapter_number]})",
                )
            if parsed.chapters and chapter_number < parsed.chapters[-1].number:
                raise TextFormatError(
                    number,
                    f"chapter {chapter_number} comes after chapter {parsed.chapters[-1].number}",
                )
            close_chapter()
            seen_chapters[chapter_number] = number
            parsed.chapters.append(ParsedChapter(chapter_number, heading[2], number))
            continue

        if section == "chapters":
            if not parsed.chapters:
                raise TextFormatError(
                    number, "expected a chapter heading such as “15. Title” before any text"
                )
            chapter_lines.append((number, line))
        elif section == QUESTIONS_HEADING:
            if not line.startswith("- ") or not line[2:].strip():
                raise TextFormatError(
                    number, "expected a question written as “- ” followed by the question"
                )
            parsed.questions.append(line[2:].strip())
            section_items += 1
        else:
            level = INTRODUCTORY if section == INTRODUCTORY_HEADING else FURTHER
            parsed.readings.append((level, parse_reading(line, number)))
            section_items += 1

    if not parsed.chapters:
        raise TextFormatError(1, "no chapter heading such as “15. Title” found")
    if section == "chapters":
        close_chapter()
    close_section()
    return parsed


def paragraphs_from_lines(lines: list[str]) -> list[ParsedParagraph]:
    return _paragraphs(list(enumerate(lines, 1)))


def _paragraphs(lines: list[tuple[int, str]]) -> list[ParsedParagraph]:
    paragraphs: list[ParsedParagraph] = []
    i = 0
    while i < len(lines):
        run = i
        while run < len(lines) and len(lines[run][1]) <= VERSE_MAX_LINE:
            run += 1
        if run - i >= VERSE_MIN_LINES:
            paragraphs.append(ParsedParagraph(VERSE, "\n".join(text for _, text in lines[i:run])))
            i = run
            continue
        number, text = lines[i]
        paragraphs.append(_paragraph(text, number))
        i += 1
    return paragraphs


def _paragraph(line: str, number: int) -> ParsedParagraph:
    if not line.startswith(OPENING_QUOTES):
        return ParsedParagraph(PLAIN, line)
    cited = CITATION_RE.match(line)
    if cited:
        if len(cited["citation"]) > MAX_CITATION:
            raise TextFormatError(number, f"citation longer than {MAX_CITATION} characters")
        return ParsedParagraph(QUOTATION, cited["body"], cited["citation"])
    if line.endswith(CLOSING_MARKS):
        return ParsedParagraph(QUOTATION, line)
    # Opens with a quoted phrase but goes on in the author's voice: an ordinary paragraph.
    return ParsedParagraph(PLAIN, line)


def parse_reading(line: str, number: int = 0) -> ParsedReading:
    """Split ``Title by Author (reference) Note`` into its parts; all but the title optional."""
    head, reference, note = line, "", ""
    referenced = READING_REF_RE.match(line)
    if referenced:
        head, reference, note = (
            referenced["head"],
            referenced["reference"],
            referenced["tail"] or "",
        )
    title, author = head.strip(), ""
    authored = READING_AUTHOR_RE.match(title)
    if authored:
        title, author = authored["title"], authored["author"]
    if not referenced:  # with a reference, a note comes after it, never before
        if author:
            author, note = _split_note(author)
        else:
            title, note = _split_note(title)
    # The reference stays as written between its brackets, blanks and all.
    reading = ParsedReading(title.strip(), author.strip(), reference, note.strip())
    if not reading.title:
        raise TextFormatError(number, "reading has no title")
    for name, limit in READING_LIMITS.items():
        if len(getattr(reading, name)) > limit:
            raise TextFormatError(number, f"reading {name} longer than {limit} characters")
    return reading


def _split_note(segment: str) -> tuple[str, str]:
    """Titles and names are capitalised; a note is a sentence run on after them.

    The note starts at the last capitalised word before the first ordinary lower-case word:
    "Rise and Fall of the Communist International Covers the issues fully".
    """
    words = segment.split(" ")
    first_plain = next(
        (
            i
            for i, word in enumerate(words)
            if word[:1].islower() and word.isalpha() and word not in TITLE_SMALL_WORDS
        ),
        None,
    )
    if first_plain is None:
        return segment, ""
    for j in range(first_plain - 1, 0, -1):
        if words[j][:1].isupper():
            return " ".join(words[:j]), " ".join(words[j:])
    return segment, ""


def render_reading(reading: ParsedReading) -> str:
    parts = [reading.title]
    if reading.author:
        parts.append(f"by {reading.author}")
    if reading.reference:
        parts.append(f"({reading.reference})")
    if reading.note:
        parts.append(reading.note)
    return " ".join(parts)


def render_paragraph(paragraph: ParsedParagraph) -> list[str]:
    if paragraph.kind == VERSE:
        return [line for line in paragraph.body.split("\n") if line.strip()]
    body = " ".join(paragraph.body.split())  # one paragraph, one line
    if paragraph.kind == QUOTATION and paragraph.citation:
        return [f"{body} ({paragraph.citation})"]
    return [body]


def render(parsed: ParsedText) -> list[str]:
    lines: list[str] = []
    for chapter in parsed.chapters:
        lines.append(f"{chapter.number}. {chapter.title}")
        for paragraph in chapter.paragraphs:
            lines.extend(render_paragraph(paragraph))
    if parsed.questions:
        lines.append(QUESTIONS_HEADING)
        lines.extend(f"- {' '.join(question.split())}" for question in parsed.questions)
    for level, heading in ((INTRODUCTORY, INTRODUCTORY_HEADING), (FURTHER, FURTHER_HEADING)):
        items = [reading for item_level, reading in parsed.readings if item_level == level]
        if items:
            lines.append(heading)
            lines.extend(render_reading(reading) for reading in items)
    return lines
