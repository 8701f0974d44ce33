"""Load a study text from its plain-text format into the database, and write it back out.

The import is atomic and idempotent, and it updates in place: rows whose content did not
change keep their ids and are not written at all, so answers and assignments hanging off
chapters, questions and readings survive a corrected file.

Nothing anyone wrote goes with a removed line. Every import makes a plan (``ImportReport``:
each change, and for each removal what hangs on it outside the text); a dry run stops there.
A removal that something hangs on is refused unless removals are allowed, and even then
the row is retired (``Retirable``), never deleted with its discussion.
"""

import difflib
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import reversion
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import router, transaction
from django.db.models import Model
from django.db.models.deletion import Collector
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import Truncator, capfirst
from reversion.models import Version

from . import textformat
from .models import Chapter, ImportRecord, Paragraph, Question, ReadingItem, StudyText

# Leftover rows are paired with leftover lines when this similar: a corrected typo keeps
# its id (and the answers under it); a rewritten question is a new question.
SIMILAR_ENOUGH = 0.6
# Rows move through positions above this (plus their id) while being reordered: positions
# are unique.
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
class Change:
    """One line of the plan: what changes in the text, and what hangs on it."""

    kind: str  # "chapter", "paragraph", "question", "reading"
    action: str  # "added", "changed", "removed", "retired", "restored"
    where: str  # "chapter 15", "¶15.11", "question 6", "reading 2.3"
    old: str = ""
    new: str = ""
    pk: int | None = None
    was: str = ""  # where it was, for a part that moved
    # What outside the text hangs on a removed row, by name: {"answers": 3, ...}
    dependents: dict[str, int] = field(default_factory=dict)
    retirable: bool = True  # a paragraph is not: what hangs on one always refuses its removal
    undoes: str = ""  # the admin edit this change would overwrite: "ada's edit of 2 Dec 2026"

    @property
    def refused(self) -> bool:
        """A removal that would take something with it (unless removals are allowed)."""
        return self.action == "removed" and bool(self.dependents)

    def describe(self) -> str:
        short = lambda words: Truncator(words).chars(70)  # noqa: E731
        moved = f" (was {self.was})" if self.was and self.was != self.where else ""
        if self.action == "changed" and self.old == self.new:
            line = f"{self.where} moved{moved}: “{short(self.new)}”"
        elif self.action == "changed":
            old, new = around_the_difference(self.old, self.new)
            line = f"{self.where}{moved} changed: “{old}” → “{new}”"
        elif self.action == "added":
            line = f"{self.where} added: “{short(self.new)}”"
        else:
            line = f"{self.where} {self.action}: “{short(self.old)}”"
        if self.dependents:
            hanging = ", ".join(f"{n} {name}" for name, n in sorted(self.dependents.items()))
            line += f" — resting on it: {hanging}"
        if self.undoes:
            line += f" — undoes {self.undoes}"
        return line


def around_the_difference(old: str, new: str, width: int = 60) -> tuple[str, str]:
    """Both wordings cut to where they differ, so a one-word fix shows as that word."""
    start = 0
    while start < min(len(old), len(new)) and old[start] == new[start]:
        start += 1
    start = max(0, start - 20)

    def cut(words: str) -> str:
        piece = words[start : start + width]
        return ("…" if start else "") + piece + ("…" if start + width < len(words) else "")

    return cut(old), cut(new)


class ImportRefused(Exception):
    """The plan removes something that answers, meetings or marks hang on."""

    def __init__(self, report: "ImportReport") -> None:
        super().__init__(report.summary())
        self.report = report


@dataclass
class ImportReport:
    text: StudyText
    text_created: bool
    text_renamed: bool = False
    dry_run: bool = False
    allow_removals: bool = False
    tallies: dict[str, Tally] = field(
        default_factory=lambda: {
            name: Tally() for name in ("chapters", "paragraphs", "questions", "readings")
        }
    )
    changes: list[Change] = field(default_factory=list)
    before: str = ""  # the text before the import, in the text format ("" for a new one)

    @property
    def changed(self) -> bool:
        return (
            self.text_created or self.text_renamed or any(t.changed for t in self.tallies.values())
        )

    @property
    def refusals(self) -> list[Change]:
        return [c for c in self.changes if c.refused and not (self.allow_removals and c.retirable)]

    def lines(self) -> list[str]:
        """The plan, for the command line: a summary, then every change."""
        return [self.summary(), *(f"  {change.describe()}" for change in self.changes)]

    def summary(self) -> str:
        counts = ", ".join(f"{t.total} {name}" for name, t in self.tallies.items())
        changes = [
            f"{name}: {t.created} added, {t.updated} updated, {t.deleted} removed"
            for name, t in self.tallies.items()
            if t.changed
        ]
        if self.text_renamed:
            changes.insert(0, "renamed")
        retired = sum(c.action == "retired" for c in self.changes)
        if retired:
            changes.append(f"{retired} retired (answers, meetings or marks hang on them)")
        undone = sum(bool(c.undoes) for c in self.changes)
        if undone:
            changes.append(f"{undone} admin edit{'s' if undone > 1 else ''} undone")
        outcome = "; ".join(changes) or "nothing changed"
        if self.refusals:
            verb = "Refused"
            n = len(self.refusals)
            outcome += (
                f"; {n} removal{'s' if n > 1 else ''} would take answers, meetings or marks "
                f"with {'them' if n > 1 else 'it'}: nothing was imported (allow removals to "
                "retire instead)"
            )
        elif self.dry_run:
            verb = "Would create" if self.text_created else "Would import"
        else:
            verb = "Created" if self.text_created else "Imported"
        return f"{verb} “{self.text.title}” ({self.text.slug}): {counts}; {outcome}."


def title_from_slug(slug: str) -> str:
    return capfirst(slug.replace("-", " ").replace("_", " ").strip()) or slug


def text_import(
    *,
    slug: str,
    data: bytes,
    title: str | None = None,
    dry_run: bool = False,
    allow_removals: bool = False,
    pairs: dict[int, int] | None = None,
    by: AbstractBaseUser | None = None,
) -> ImportReport:
    """Import ``data`` (a file's bytes) as the study text ``slug``, and say what changed.

    Raises ``textformat.TextFormatError`` before touching the database when the file is
    malformed, and ``ImportRefused`` (with nothing written) when the plan removes a row that
    something outside the text hangs on and ``allow_removals`` is not given; allowed, such
    rows are retired. ``dry_run`` makes the same plan and writes nothing. ``pairs`` maps a
    question's id to its position in the file: a rewording the similarity rule would take
    for a new question keeps the old one's id and discussion. ``title`` names a new text,
    or renames an existing one.

    An import that changes something is kept: every row it wrote gets a version in one
    django-reversion revision (each item's history shows it, ``by`` and when), and an
    ``ImportRecord`` keeps the text as it was before, to roll the whole import back.
    """
    parsed = textformat.parse(data)
    if dry_run:
        return _import(slug, parsed, title, dry_run, allow_removals, pairs or {})
    with reversion.create_revision():
        report = _import(slug, parsed, title, dry_run, allow_removals, pairs or {})
        if report.changed:
            _keep(report, by)
    return report


def _import(
    slug: str,
    parsed: textformat.ParsedText,
    title: str | None,
    dry_run: bool,
    allow_removals: bool,
    pairs: dict[int, int],
) -> ImportReport:
    with transaction.atomic():
        text, created = StudyText.objects.select_for_update().get_or_create(
            slug=slug, defaults={"title": title or title_from_slug(slug)}
        )
        before = "" if created or dry_run else text_export(text)  # for the rollback
        renamed = False
        if title and text.title != title:
            text.title = title
            text.save(update_fields=["title", "updated"])
            renamed = True
        report = ImportReport(
            text=text,
            text_created=created,
            text_renamed=renamed,
            dry_run=dry_run,
            allow_removals=allow_removals,
            before=before,
        )
        # The plan is the import itself, made inside the transaction and rolled back for a
        # dry run or a refusal: what the preview says is what applying does.
        _sync_chapters(text, parsed.chapters, report)
        _sync_questions(text, parsed.questions, report, pairs)
        _sync_readings(text, parsed.readings, report)
        _find_undone_edits(report)
        if report.refusals and not dry_run:
            raise ImportRefused(report)
        if report.changed:  # the bulk writes sent no signals: one revision for them all
            text.revision = uuid.uuid4()
            text.save(update_fields=["updated", "revision"])
        if dry_run:
            transaction.set_rollback(True)
    return report


MODELS = {"chapter": Chapter, "paragraph": Paragraph, "question": Question, "reading": ReadingItem}
# How an import's revisions are told from an admin's edits in an item's history.
IMPORTED_BY = "Imported by"


def _find_undone_edits(report: ImportReport) -> None:
    """Mark each change that overwrites a row an admin edited last (its newest version is
    not an import's): the plan says whose correction the file would undo. One query a kind."""
    touched: dict[str, dict[str, Change]] = {}
    for change in report.changes:
        if change.pk is not None and change.action in {"changed", "removed", "retired"}:
            touched.setdefault(change.kind, {})[str(change.pk)] = change
    for kind, changes in touched.items():
        versions = (
            Version.objects.get_for_model(MODELS[kind])
            .filter(object_id__in=changes)
            .select_related("revision__user")
            .order_by("object_id", "-revision__date_created", "-pk")
        )
        seen: set[str] = set()
        for version in versions:
            if version.object_id in seen:
                continue
            seen.add(version.object_id)
            revision = version.revision
            if not revision.comment.startswith(IMPORTED_BY):
                who = revision.user.get_username() if revision.user else "an admin"
                when = date_format(timezone.localtime(revision.date_created), "j M Y H:i")
                changes[version.object_id].undoes = f"{who}’s edit of {when}"


def _keep(report: ImportReport, by: AbstractBaseUser | None) -> None:
    """The import's versions and its record (inside its revision block)."""
    who = by.get_username() if by else "the import_text command"
    reversion.set_comment(f"{IMPORTED_BY} {who}: {report.summary()}"[:1000])
    if by is not None:
        reversion.set_user(by)
    reversion.add_to_revision(report.text)
    written: dict[str, set[int]] = {}
    for change in report.changes:
        if change.pk is not None:
            written.setdefault(change.kind, set()).add(change.pk)
    for kind, pks in written.items():
        for row in MODELS[kind]._default_manager.filter(pk__in=pks):  # deleted ones are gone
            reversion.add_to_revision(row)
    ImportRecord.objects.create(
        text=report.text, by=who if by else "", summary=report.summary(), before=report.before
    )


def dependents(row: Model) -> dict[str, int]:
    """What outside the text would go if ``row`` were deleted (answers, the comments on
    them, meetings that assign it, reading marks), counted by name. Found the way the
    admin's delete page finds them, so the text names none of the apps above it."""
    collector = Collector(using=router.db_for_write(type(row)), origin=row)
    collector.collect([row])
    counts: Counter[tuple[str, str]] = Counter()  # (singular, plural) → how many

    def count(model: type[Model], n: int) -> None:
        meta = model._meta
        if meta.app_label == "content" or not n:
            return  # the text's own rows (paragraphs, the question's chapter tags)
        if meta.auto_created:  # a many-to-many row: name the side that is not ``row``
            other = next(
                f.related_model._meta
                for f in meta.fields
                if f.related_model is not None and f.related_model is not type(row)
            )
            names = (
                f"{other.verbose_name} assigning it",
                f"{other.verbose_name_plural} assigning it",
            )
        else:
            names = (str(meta.verbose_name), str(meta.verbose_name_plural))
        counts[names] += n

    for model, instances in collector.data.items():
        count(model, len(instances))
    for queryset in collector.fast_deletes:
        count(queryset.model, queryset.count())
    return {(one if n == 1 else many): n for (one, many), n in counts.items()}


def _remove(
    rows: list[Any],
    kind: str,
    where: Callable[[Any], str],
    report: ImportReport,
    text_of: Callable[[Any], str],
    retire: Callable[[list[Any]], None] | None,
) -> None:
    """Delete the rows nothing hangs on; retire the others (allowed) or refuse them. Rows
    that cannot be retired (``retire`` None) are refused whenever something hangs on them."""
    deleted, retired = [], []
    for row in rows:
        hanging = dependents(row)
        change = Change(
            kind, "removed", where(row), old=text_of(row), pk=row.pk, dependents=hanging
        )
        if hanging and retire is None:
            change.retirable = False  # refused, allowed or not: the import rolls back
        elif hanging:
            # Retired even when refused: the refusal rolls the whole import back, and
            # meanwhile the row is out of the way of the file's rows.
            retired.append(row)
            if report.allow_removals:
                change.action = "retired"
        else:
            deleted.append(row.pk)
        report.changes.append(change)
    if deleted:
        type(rows[0])._default_manager.filter(pk__in=deleted).delete()
    if retired and retire is not None:
        retire(retired)


def text_export(text: StudyText) -> str:
    """The text in the import format; importing it again changes nothing."""
    parsed = textformat.ParsedText()
    paragraphs: dict[int, list[textformat.ParsedParagraph]] = {}
    for p in Paragraph.objects.filter(chapter__text=text, chapter__retired_at=None).order_by(
        "position"
    ):
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
        for r in text.readings.current().order_by("level", "position")
    ]
    return "\n".join(textformat.render(parsed)) + "\n"


def _sync_chapters(
    text: StudyText, parsed: list[textformat.ParsedChapter], report: ImportReport
) -> None:
    tally = report.tallies["chapters"]
    existing = {chapter.number: chapter for chapter in text.chapters.all()}  # retired too
    wanted = {chapter.number for chapter in parsed}
    gone = [c for number, c in existing.items() if number not in wanted and not c.retired]
    if gone:
        tally.deleted = len(gone)
        for chapter in gone:
            report.tallies["paragraphs"].deleted += chapter.paragraphs.count()

        def retire(chapters: list[Chapter]) -> None:
            Chapter.objects.filter(pk__in=[c.pk for c in chapters]).update(
                retired_at=timezone.now()
            )

        _remove(gone, "chapter", lambda c: f"chapter {c.number}", report, str, retire)

    current = _group(
        Paragraph.objects.filter(chapter__text=text).order_by("position"), "chapter_id"
    )
    for item in parsed:
        found = existing.get(item.number)
        where = f"chapter {item.number}"
        if found is None:
            chapter = Chapter.objects.create(text=text, number=item.number, title=item.title)
            tally.created += 1
            report.changes.append(
                Change("chapter", "added", where, new=str(chapter), pk=chapter.pk)
            )
        elif (chapter := found).title != item.title or chapter.retired:
            action = "restored" if chapter.retired else "changed"
            report.changes.append(
                Change("chapter", action, where, str(chapter), f"{item.number}. {item.title}")
            )
            chapter.title, chapter.retired_at = item.title, None
            chapter.save(update_fields=["title", "retired_at"])
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
    added: list[Change] = []  # their ids once created
    where = lambda position: f"¶{chapter.number}.{position}"  # noqa: E731
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
            report.changes.append(Change("paragraph", "added", where(position), new=item.body))
            added.append(report.changes[-1])
        elif (row.kind, row.body, row.citation) != (item.kind, item.body, item.citation):
            report.changes.append(
                Change("paragraph", "changed", where(position), row.body, item.body, row.pk)
            )
            row.kind, row.body, row.citation = item.kind, item.body, item.citation
            changed.append(row)
        else:
            tally.unchanged += 1
    surplus = rows[len(parsed) :]
    if surplus:
        # A paragraph is not retired (its place is its number): one that anything outside
        # the text points at is refused even with removals allowed.
        _remove(surplus, "paragraph", lambda p: where(p.position), report, lambda p: p.body, None)
    Paragraph.objects.bulk_update(changed, ["kind", "body", "citation"])
    for change, row in zip(added, Paragraph.objects.bulk_create(new), strict=True):
        change.pk = row.pk
    tally.created += len(new)
    tally.updated += len(changed)
    tally.deleted += len(surplus)


def _sync_questions(
    text: StudyText, parsed: list[str], report: ImportReport, pairs: dict[int, int]
) -> None:
    rows = list(Question.objects.filter(text=text))  # retired too; group-only ones are not
    wanted = [{"position": position, "body": body} for position, body in enumerate(parsed, 1)]
    unknown = set(pairs) - {q.pk for q in rows}
    if unknown or any(not 1 <= position <= len(wanted) for position in pairs.values()):
        raise ValueError(f"pairs name questions or positions the text does not have: {pairs}")
    _sync_matched(
        Question,
        text,
        rows,
        wanted,
        lambda q: q.body,
        lambda w: w["body"],
        report,
        kind="question",
        where=lambda fields: f"question {fields['position']}",
        pairs={pk: position - 1 for pk, position in pairs.items()},
    )


def _sync_readings(
    text: StudyText, parsed: list[tuple[int, textformat.ParsedReading]], report: ImportReport
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

    _sync_matched(
        ReadingItem,
        text,
        rows,
        wanted,
        line,
        line,
        report,
        kind="reading",
        where=lambda fields: f"reading {fields['level']}.{fields['position']}",
    )


def _sync_matched(
    model: type[Model],
    text: StudyText,
    rows: list[Any],
    wanted: list[dict[str, Any]],
    row_key: Callable[[Any], str],
    wanted_key: Callable[[dict[str, Any]], str],
    report: ImportReport,
    *,
    kind: str,
    where: Callable[[dict[str, Any]], str],
    pairs: dict[int, int] | None = None,
) -> None:
    """Bring ``rows`` in line with ``wanted``, keeping the ids of rows whose content survives.

    The pairs the admin chose first, then exact matches (a retired row whose line is back is
    restored), then the most similar leftovers (a corrected typo); rows left over after that
    are removed (``_remove``), wanted items left over are created.
    """
    tally = report.tallies[f"{kind}s"]
    pairs = pairs or {}
    matched: list[tuple[Any, dict[str, Any]]] = []
    forced_wanted = set(pairs.values())
    unmatched_rows = []
    for row in rows:
        if row.pk in pairs:
            matched.append((row, wanted[pairs[row.pk]]))
        else:
            unmatched_rows.append(row)
    unmatched_wanted = []
    by_key: dict[str, list[Any]] = {}
    for row in unmatched_rows:
        by_key.setdefault(row_key(row), []).append(row)
    for j, item in enumerate(wanted):
        if j in forced_wanted:
            continue
        candidates = by_key.get(wanted_key(item))
        if candidates:
            row = candidates.pop(0)
            unmatched_rows.remove(row)
            matched.append((row, item))
        else:
            unmatched_wanted.append(item)
    unmatched_rows = [row for row in unmatched_rows if not row.retired]  # stay as they are
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
        matched.append((unmatched_rows[i], unmatched_wanted[j]))

    gone = [row for i, row in enumerate(unmatched_rows) if i not in used_rows]
    if gone:

        def retire(retired: list[Any]) -> None:
            model._default_manager.filter(pk__in=[r.pk for r in retired]).update(
                position=None, retired_at=timezone.now()
            )

        old_where = lambda row: where(row.__dict__)  # noqa: E731
        _remove(gone, kind, old_where, report, row_key, retire)
    tally.deleted += len(gone)

    changed = []
    for row, item in matched:
        if not row.retired and all(getattr(row, name) == value for name, value in item.items()):
            tally.unchanged += 1
        else:
            action = "restored" if row.retired else "changed"
            was = "" if row.retired else where(row.__dict__)
            report.changes.append(
                Change(kind, action, where(item), row_key(row), wanted_key(item), row.pk, was)
            )
            changed.append((row, item))
    if changed:
        # Park moved rows out of the way first: positions are unique per text.
        parked = [row for row, _ in changed]
        for row in parked:
            row.position = REORDER_OFFSET + row.pk  # unique, and above any real position
            row.retired_at = None
        model._default_manager.bulk_update(parked, ["position", "retired_at"])
        fields = list(changed[0][1])
        for row, item in changed:
            for name, value in item.items():
                setattr(row, name, value)
        model._default_manager.bulk_update(parked, fields)
    tally.updated += len(changed)

    added = [item for j, item in enumerate(unmatched_wanted) if j not in used_wanted]
    rows = model._default_manager.bulk_create([model(text=text, **item) for item in added])
    report.changes.extend(
        Change(kind, "added", where(item), new=wanted_key(item), pk=row.pk)
        for item, row in zip(added, rows, strict=True)
    )
    tally.created += len(added)


def _group(rows: Iterable[Any], attribute: str) -> dict[Any, list[Any]]:
    groups: dict[Any, list[Any]] = {}
    for row in rows:
        groups.setdefault(getattr(row, attribute), []).append(row)
    return groups
