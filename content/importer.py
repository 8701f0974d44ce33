"""Load a study text from its plain-text format into the database, and write it back out.

The import is atomic and idempotent, and it updates in place: rows whose content did not
change keep their ids and are not written at all, so answers and assignments hanging off
chapters, questions and readings survive a corrected file.
"""

import difflib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Model
from django.utils.text import capfirst

from . import textformat
from .models import Chapter, Paragraph, Question, ReadingItem, StudyText

# Leftover rows are paired with leftover lines when this similar: a corrected typo keeps
# its id (and the answers under it); a rewritten question is a new question.
SIMILAR_ENOUGH = 0.6
# Rows move through positions above this while being reordered (unique positions).
REORDER_OFFSET = 1_000_000


@dataclass
class Tally:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.deleted)


@dataclass
class ImportReport:
    text: StudyText
    text_created: bool
    text_renamed: bool = False
    tallies: dict[str, Tally] = field(
        default_factory=lambda: {
            name: Tally() for name in ("chapters", "paragraphs", "questions", "readings")
        }
    )

    @property
    def changed(self) -> bool:
        return (
            self.text_created or self.text_renamed or any(t.changed for t in self.tallies.values())
        )

    def summary(self) -> str:
        counts = ", ".join(f"{t.total} {name}" for name, t in self.tallies.items())
        changes = [
            f"{name}: {t.created} added, {t.updated} updated, {t.deleted} removed"
            for name, t in self.tallies.items()
            if t.changed
        ]
        if self.text_renamed:
            changes.insert(0, "renamed")
        outcome = "; ".join(changes) or "nothing changed"
        verb = "Created" if self.text_created else "Imported"
        return f"{verb} “{self.text.title}” ({self.text.slug}): {counts}; {outcome}."


def title_from_slug(slug: str) -> str:
    return capfirst(slug.replace("-", " ").replace("_", " ").strip()) or slug


def text_import(*, slug: str, data: bytes, title: str | None = None) -> ImportReport:
    """Import ``data`` (a file's bytes) as the study text ``slug``.

    Raises ``textformat.TextFormatError`` before touching the database when the file is
    malformed. ``title`` names a new text, or renames an existing one when given.
    """
    parsed = textformat.parse(data)
    with transaction.atomic():
        text, created = StudyText.objects.select_for_update().get_or_create(
            slug=slug, defaults={"title": title or title_from_slug(slug)}
        )
        renamed = False
        if title and text.title != title:
            text.title = title
            text.save(update_fields=["title", "updated"])
            renamed = True
        report = ImportReport(text=text, text_created=created, text_renamed=renamed)
        _sync_chapters(text, parsed.chapters, report)
        _sync_questions(text, parsed.questions, report.tallies["questions"])
        _sync_readings(text, parsed.readings, report.tallies["readings"])
        if report.changed and not created:
            text.save(update_fields=["updated"])
    return report


def text_export(text: StudyText) -> str:
    """The text in the import format; importing it again changes nothing."""
    parsed = textformat.ParsedText()
    paragraphs: dict[int, list[textformat.ParsedParagraph]] = {}
    for p in Paragraph.objects.filter(chapter__text=text).order_by("position"):
        paragraphs.setdefault(p.chapter_id, []).append(
            textformat.ParsedParagraph(p.kind, p.body, p.citation)
        )
    for chapter in text.chapters.in_order():
        parsed.chapters.append(
            textformat.ParsedChapter(
                chapter.number, chapter.title, 0, paragraphs.get(chapter.id, [])
            )
        )
    parsed.questions = [q.body for q in Question.objects.of_text(text)]
    parsed.readings = [
        (r.level, textformat.ParsedReading(r.title, r.author, r.reference, r.note))
        for r in text.readings.order_by("level", "position")
    ]
    return "\n".join(textformat.render(parsed)) + "\n"


def _sync_chapters(
    text: StudyText, parsed: list[textformat.ParsedChapter], report: ImportReport
) -> None:
    tally = report.tallies["chapters"]
    existing = {chapter.number: chapter for chapter in text.chapters.all()}
    wanted = {chapter.number for chapter in parsed}
    gone = [c.pk for number, c in existing.items() if number not in wanted]
    if gone:
        tally.deleted = len(gone)
        report.tallies["paragraphs"].deleted += Paragraph.objects.filter(chapter__in=gone).count()
        Chapter.objects.filter(pk__in=gone).delete()

    current = _group(
        Paragraph.objects.filter(chapter__text=text).order_by("position"), "chapter_id"
    )
    for item in parsed:
        chapter = existing.get(item.number)
        if chapter is None:
            chapter = Chapter.objects.create(text=text, number=item.number, title=item.title)
            tally.created += 1
        elif chapter.title != item.title:
            chapter.title = item.title
            chapter.save(update_fields=["title"])
            tally.updated += 1
        else:
            tally.unchanged += 1
        _sync_paragraphs(chapter, item.paragraphs, current.get(chapter.pk, []), report)


def _sync_paragraphs(
    chapter: Chapter,
    parsed: list[textformat.ParsedParagraph],
    rows: list[Paragraph],
    report: ImportReport,
) -> None:
    """Paragraphs line up by position: anchors (#p12) point at a place in the chapter."""
    tally = report.tallies["paragraphs"]
    changed, new = [], []
    for position, item in enumerate(parsed, 1):
        row = rows[position - 1] if position <= len(rows) else None
        if row is None:
            new.append(
                Paragraph(
                    chapter=chapter,
                    position=position,
                    kind=item.kind,
                    body=item.body,
                    citation=item.citation,
                )
            )
        elif (row.kind, row.body, row.citation) != (item.kind, item.body, item.citation):
            row.kind, row.body, row.citation = item.kind, item.body, item.citation
            changed.append(row)
        else:
            tally.unchanged += 1
    surplus = [row.pk for row in rows[len(parsed) :]]
    if surplus:
        Paragraph.objects.filter(pk__in=surplus).delete()
    Paragraph.objects.bulk_update(changed, ["kind", "body", "citation"])
    Paragraph.objects.bulk_create(new)
    tally.created += len(new)
    tally.updated += len(changed)
    tally.deleted += len(surplus)


def _sync_questions(text: StudyText, parsed: list[str], tally: Tally) -> None:
    rows = list(Question.objects.of_text(text))  # group-only questions are not the file's
    wanted = [{"position": position, "body": body} for position, body in enumerate(parsed, 1)]
    _sync_matched(Question, text, rows, wanted, lambda q: q.body, lambda w: w["body"], tally)


def _sync_readings(
    text: StudyText, parsed: list[tuple[int, textformat.ParsedReading]], tally: Tally
) -> None:
    rows = list(text.readings.all())
    wanted = []
    positions: dict[int, int] = {}
    for level, reading in parsed:
        positions[level] = positions.get(level, 0) + 1
        wanted.append({"level": level, "position": positions[level], **reading.__dict__})

    def line(fields: Any) -> str:
        get: Callable[[str], Any] = fields.get if isinstance(fields, dict) else fields.__dict__.get
        return textformat.render_reading(
            textformat.ParsedReading(get("title"), get("author"), get("reference"), get("note"))
        )

    _sync_matched(ReadingItem, text, rows, wanted, line, line, tally)


def _sync_matched(
    model: type[Model],
    text: StudyText,
    rows: list[Any],
    wanted: list[dict[str, Any]],
    row_key: Callable[[Any], str],
    wanted_key: Callable[[dict[str, Any]], str],
    tally: Tally,
) -> None:
    """Bring ``rows`` in line with ``wanted``, keeping the ids of rows whose content survives.

    Exact matches first, then the most similar leftovers (a corrected typo); rows left over
    after that are deleted, wanted items left over are created.
    """
    pairs: list[tuple[Any, dict[str, Any]]] = []
    unmatched_rows = list(rows)
    unmatched_wanted = []
    by_key: dict[str, list[Any]] = {}
    for row in rows:
        by_key.setdefault(row_key(row), []).append(row)
    for item in wanted:
        candidates = by_key.get(wanted_key(item))
        if candidates:
            row = candidates.pop(0)
            unmatched_rows.remove(row)
            pairs.append((row, item))
        else:
            unmatched_wanted.append(item)
    scored = sorted(
        (
            (difflib.SequenceMatcher(None, row_key(row), wanted_key(item)).ratio(), i, j)
            for i, row in enumerate(unmatched_rows)
            for j, item in enumerate(unmatched_wanted)
        ),
        reverse=True,
    )
    used_rows: set[int] = set()
    used_wanted: set[int] = set()
    for ratio, i, j in scored:
        if ratio < SIMILAR_ENOUGH:
            break
        if i in used_rows or j in used_wanted:
            continue
        used_rows.add(i)
        used_wanted.add(j)
        pairs.append((unmatched_rows[i], unmatched_wanted[j]))

    gone = [row.pk for i, row in enumerate(unmatched_rows) if i not in used_rows]
    if gone:
        model._default_manager.filter(pk__in=gone).delete()
    tally.deleted += len(gone)

    changed = []
    for row, item in pairs:
        if all(getattr(row, name) == value for name, value in item.items()):
            tally.unchanged += 1
        else:
            changed.append((row, item))
    if changed:
        # Park moved rows out of the way first: positions are unique per text.
        parked = [row for row, _ in changed]
        for row in parked:
            row.position += REORDER_OFFSET
        model._default_manager.bulk_update(parked, ["position"])
        fields = list(changed[0][1])
        for row, item in changed:
            for name, value in item.items():
                setattr(row, name, value)
        model._default_manager.bulk_update(parked, fields)
    tally.updated += len(changed)

    new = [
        model(text=text, **item) for j, item in enumerate(unmatched_wanted) if j not in used_wanted
    ]
    model._default_manager.bulk_create(new)
    tally.created += len(new)


def _group(rows: Iterable[Any], attribute: str) -> dict[Any, list[Any]]:
    groups: dict[Any, list[Any]] = {}
    for row in rows:
        groups.setdefault(getattr(row, attribute), []).append(row)
    return groups
