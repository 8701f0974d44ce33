"""The curriculum: study texts, their chapters and paragraphs, questions and readings.

This app imports nothing from the rest of the project; groups and discussion hang off it.
Order is always explicit (chapter numbers, positions), never insertion order.
"""

from django.db import models
from django.urls import reverse


class StudyText(models.Model):
    slug = models.SlugField(max_length=100, unique=True)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title", "id"]
        verbose_name = "study text"

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("content:text", args=[self.slug])


class ChapterQuerySet(models.QuerySet["Chapter"]):
    def in_order(self) -> "ChapterQuerySet":
        return self.order_by("number")


class Chapter(models.Model):
    text = models.ForeignKey(StudyText, on_delete=models.CASCADE, related_name="chapters")
    number = models.PositiveIntegerField(help_text="The chapter's number in the course.")
    title = models.CharField(max_length=200)

    objects = ChapterQuerySet.as_manager()

    class Meta:
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

    def __str__(self) -> str:
        return f"¶{self.position}: {self.body[:60]}"

    @property
    def anchor(self) -> str:
        return f"p{self.position}"

    @property
    def lines(self) -> list[str]:
        return self.body.split("\n")


class Question(models.Model):
    """A discussion question of a text, optionally tied to the chapters it concerns."""

    text = models.ForeignKey(StudyText, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveIntegerField()
    body = models.TextField()
    chapters = models.ManyToManyField(Chapter, blank=True, related_name="questions")

    class Meta:
        ordering = ["text", "position"]
        constraints = [
            models.UniqueConstraint(fields=["text", "position"], name="question_position_unique")
        ]

    def __str__(self) -> str:
        return self.body


class ReadingItem(models.Model):
    """One entry of a text's reading list: a book or pamphlet to read next."""

    class Level(models.IntegerChoices):
        INTRODUCTORY = 1, "Introductory"
        FURTHER = 2, "Further study"

    text = models.ForeignKey(StudyText, on_delete=models.CASCADE, related_name="readings")
    level = models.PositiveSmallIntegerField(choices=Level)
    position = models.PositiveIntegerField()
    title = models.CharField(max_length=300)
    author = models.CharField(max_length=200, blank=True)
    reference = models.CharField(
        max_length=200, blank=True, help_text="Pages or chapters to read, e.g. “p9-10”."
    )
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["text", "level", "position"]
        verbose_name = "reading-list item"
        constraints = [
            models.UniqueConstraint(
                fields=["text", "level", "position"], name="reading_position_unique"
            )
        ]

    def __str__(self) -> str:
        return self.title
