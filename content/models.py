"""The curriculum: study texts, their chapters and paragraphs, questions and readings.

This app imports nothing from the rest of the project and names none of its models; groups
and discussion hang off it.
Order is always explicit (chapter numbers, positions), never insertion order.
"""

import uuid

import reversion
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse

from . import textformat

# The one text search configuration (PostgreSQL): the indexes below and every search's
# vector and query name it, so that a search's expression is the index's.
SEARCH_CONFIG = "english"


def search_vector(field: str = "body") -> SearchVector:
    """A column as PostgreSQL's full text search reads it, as the GIN indexes hold it."""
    return SearchVector(field, config=SEARCH_CONFIG)


class SearchIndex(GinIndex):
    """A GIN index of ``search_vector(field)``, on PostgreSQL; on any other database
    nothing (SQLite searches without it), so a SQLite table rebuilt by a later migration
    does not try to make it."""

    def __init__(self, field: str = "body", *, name: str) -> None:
        super().__init__(search_vector(field), name=name)
        self.field = field

    def deconstruct(self):
        _, _, kwargs = super().deconstruct()
        return "content.models.SearchIndex", (self.field,), {"name": kwargs["name"]}

    def create_sql(self, model, schema_editor, using="", **kwargs):
        if schema_editor.connection.vendor != "postgresql":
            return ""
        return super().create_sql(model, schema_editor, using=using, **kwargs)

    def remove_sql(self, model, schema_editor, **kwargs):
        if schema_editor.connection.vendor != "postgresql":
            return ""
        return super().remove_sql(model, schema_editor, **kwargs)


class StudyText(models.Model):
    slug = models.SlugField(max_length=100, unique=True)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)
    # Anew at every change to the text or any part of it (content/revisions.py): what is
    # built from the text is cached under it, so an edit is a new key, never a stale page.
    revision = models.UUIDField(default=uuid.uuid4, editable=False)

    class Meta:
        ordering = ["title", "id"]
        verbose_name = "study text"

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("content:text", args=[self.slug])


class Retirable(models.Model):
    """A part of the text that an import removed while something still hung on it (answers,
    meetings that assign it, members' reading marks). It leaves the text's lists and the
    choices for new meetings; what hangs on it stays, and so does its page. An import of a
    file that has it again brings it back."""

    retired_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        abstract = True

    @property
    def retired(self) -> bool:
        return self.retired_at is not None


class ChapterQuerySet(models.QuerySet["Chapter"]):
    def current(self) -> "ChapterQuerySet":
        return self.filter(retired_at__isnull=True)

    def in_order(self) -> "ChapterQuerySet":
        """The text's chapters as its table of contents lists them (retired ones left out)."""
        return self.current().order_by("number")


class Chapter(Retirable):
    text = models.ForeignKey(StudyText, on_delete=models.CASCADE, related_name="chapters")
    number = models.PositiveIntegerField(help_text="The chapter's number in the course.")
    title = models.CharField(max_length=200)

    objects = ChapterQuerySet.as_manager()

    class Meta(Retirable.Meta):
        ordering = ["text", "number"]
        constraints = [
            models.UniqueConstraint(fields=["text", "number"], name="chapter_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("content:chapter", args=[self.text.slug, self.number])


class Paragraph(models.Model):
    class Kind(models.TextChoices):
        PLAIN = "plain", "Plain"
        QUOTATION = "quotation", "Quotation"
        VERSE = "verse", "Verse"

    chapter = models.ForeignKey(Chapter, on_delete=models.CASCADE, related_name="paragraphs")
    position = models.PositiveIntegerField()
    kind = models.CharField(max_length=10, choices=Kind, default=Kind.PLAIN)
    body = models.TextField(help_text="Verse keeps one line of the poem per line.")
    citation = models.CharField(
        max_length=300, blank=True, help_text="For a quotation: its source, without brackets."
    )

    class Meta:
        ordering = ["chapter", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["chapter", "position"], name="paragraph_position_unique"
            )
        ]
        # Full text search (PostgreSQL only: the migration makes it nowhere else).
        indexes = [SearchIndex(name="paragraph_body_search")]

    def __str__(self) -> str:
        return f"¶{self.position}: {self.body[:60]}"

    def clean(self) -> None:
        # Admin edits must survive export and re-import: keep to what the format can say.
        body = self.body.replace("\r\n", "\n").replace("\r", "\n")
        if self.kind == self.Kind.VERSE:
            self.body = "\n".join(line.strip() for line in body.split("\n") if line.strip())
        else:
            self.body = " ".join(body.split())
        if self.citation and self.kind != self.Kind.QUOTATION:
            raise ValidationError({"citation": "Only a quotation has a citation."})
        lines = textformat.render_paragraph(
            textformat.ParsedParagraph(self.kind, self.body, self.citation)
        )
        if textformat.HEADING_RE.match(lines[0]):
            raise ValidationError(
                {"body": "This would read as a chapter heading; reword its start."}
            )
        parsed = textformat.paragraphs_from_lines(lines)
        if parsed != [textformat.ParsedParagraph(self.kind, self.body, self.citation)]:
            reasons: dict[str, str] = {  # keyed by the column's value, a plain str
                self.Kind.VERSE: "A verse block needs at least three lines, each at most "
                f"{textformat.VERSE_MAX_LINE} characters.",
                self.Kind.QUOTATION: "A quotation starts with an opening curly quote (“) and "
                "ends with a closing one (”), an ellipsis or its citation.",
                self.Kind.PLAIN: "This reads as a quotation or verse; choose that kind.",
            }
            raise ValidationError({"kind": reasons[self.kind]})

    @property
    def anchor(self) -> str:
        return f"p{self.position}"

    @property
    def place(self) -> tuple[int, int]:
        """(chapter number, position): the reference as URL arguments."""
        return self.chapter.number, self.position

    @property
    def reference(self) -> str:
        """How people cite it: "15.11", the chapter's number and the paragraph's place in
        it (written ¶15.11; the importer's plan names paragraphs so too). Read the chapter
        through ``chapter.paragraphs`` (or select it) so that this asks no query."""
        return f"{self.chapter.number}.{self.position}"

    @property
    def lines(self) -> list[str]:
        return self.body.split("\n")


class QuestionQuerySet(models.QuerySet["Question"]):
    def current(self) -> "QuestionQuerySet":
        return self.filter(retired_at__isnull=True)

    def of_text(self, text: StudyText) -> "QuestionQuerySet":
        """The text's own questions, in the text's order (retired ones left out)."""
        return self.filter(text=text, retired_at__isnull=True).order_by("position")


class Question(Retirable):
    """A discussion question, optionally tied to the chapters it concerns.

    The text's own questions have their text and their place in its list. A question that
    readers of the text wrote for themselves has neither: the layer that keeps it (a study
    group's own questions) knows whose it is, and the text never lists it.
    """

    text = models.ForeignKey(
        StudyText, null=True, blank=True, on_delete=models.CASCADE, related_name="questions"
    )
    position = models.PositiveIntegerField(null=True, blank=True)
    body = models.TextField()
    chapters = models.ManyToManyField(Chapter, blank=True, related_name="questions")

    objects = QuestionQuerySet.as_manager()

    class Meta(Retirable.Meta):
        ordering = ["text", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["text", "position"], name="question_position_unique"),
            # A text's question has its place in the list, unless retired (then it has none,
            # so the place is free for the file's questions).
            models.CheckConstraint(
                condition=models.Q(text__isnull=True, position__isnull=True)
                | models.Q(text__isnull=False, position__isnull=False, retired_at__isnull=True)
                | models.Q(text__isnull=False, position__isnull=True, retired_at__isnull=False),
                name="question_of_text_has_position",
            ),
        ]
        indexes = [SearchIndex(name="question_body_search")]

    def __str__(self) -> str:
        return self.body

    @property
    def of_text(self) -> bool:
        """One of the text's own questions (not one its readers added)."""
        return self.text_id is not None

    def clean(self) -> None:
        self.body = " ".join(self.body.split())  # one question, one line
        if self.text_id is not None and self.position is None:
            raise ValidationError({"position": "Give the question its place in the text's list."})


class ReadingItemQuerySet(models.QuerySet["ReadingItem"]):
    def current(self) -> "ReadingItemQuerySet":
        return self.filter(retired_at__isnull=True)


class ReadingItem(Retirable):
    """One entry of a text's reading list: a book or pamphlet to read next."""

    class Level(models.IntegerChoices):
        INTRODUCTORY = 1, "Introductory"
        FURTHER = 2, "Further study"

    text = models.ForeignKey(StudyText, on_delete=models.CASCADE, related_name="readings")
    level = models.PositiveSmallIntegerField(choices=Level)
    position = models.PositiveIntegerField(null=True, blank=True, help_text="Empty once retired.")
    title = models.CharField(max_length=300)
    author = models.CharField(max_length=200, blank=True)
    reference = models.CharField(
        max_length=200, blank=True, help_text="Pages or chapters to read, e.g. “p9-10”."
    )
    note = models.CharField(max_length=300, blank=True)

    objects = ReadingItemQuerySet.as_manager()

    class Meta(Retirable.Meta):
        ordering = ["text", "level", "position"]
        verbose_name = "reading-list item"
        constraints = [
            models.UniqueConstraint(
                fields=["text", "level", "position"], name="reading_position_unique"
            )
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        # The text format writes "Title by Author (reference) Note" on one line; refuse what
        # would read back differently after an export.
        fields = ("title", "author", "reference", "note")
        for name in fields:
            setattr(self, name, " ".join(getattr(self, name).split()))
        reading = textformat.ParsedReading(*(getattr(self, name) for name in fields))
        line = textformat.render_reading(reading)
        try:
            back = textformat.parse_reading(line)
        except textformat.TextFormatError as exc:
            raise ValidationError(exc.reason.capitalize() + ".") from None
        if back != reading:
            raise ValidationError(
                f"Written out as “{line}”, this would read back differently. Start the note "
                "with a capital letter, keep brackets and “ by ” out of the title, or add a "
                "reference."
            )


class ImportRecord(models.Model):
    """One import that changed a text: who, when, what changed, and the text as it was
    before, so the whole import can be rolled back (by importing that, through the same
    plan and refusals as any import). Single edits are kept by django-reversion."""

    text = models.ForeignKey(StudyText, on_delete=models.CASCADE, related_name="imports")
    created = models.DateTimeField(auto_now_add=True)
    by = models.CharField(max_length=150, blank=True, help_text="Who imported it.")
    summary = models.TextField()
    before = models.TextField(help_text="The text before this import, in the text format.")

    class Meta:
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return f"Import of {self.text} on {self.created:%Y-%m-%d %H:%M}"


for model in (StudyText, Chapter, Paragraph, Question, ReadingItem):
    reversion.register(model)
