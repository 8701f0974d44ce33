"""Answers to a group's questions and the comment threads under them."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from content.models import Paragraph, Question, SearchIndex
from studygroup.groups.models import StudyGroup

MAX_ANSWER = 10_000
MAX_COMMENT = 5_000
INDENT_LEVELS = 4  # deeper replies stop indenting and say whom they answer
# A comment's path is its ancestors' ids and its own, zero-padded: sorting by path reads a
# thread in order (each comment, then its replies), so a page of it is an index range scan.
PATH_SEGMENT = 10
PATH_DEPTH = 32  # deeper replies sort as their parent's siblings (they still say whom)
# A row's path until its id is known (it is written in the same transaction, once the
# insert gave the id): after every path, so the row version the update leaves behind sits
# past the end of its thread in the (answer, path) index, where no first screen's range
# reaches. As "", each comment left an index entry at the start of its thread that every
# first-screen scan read until VACUUM came by: 844 entries for a 10-comment screen.
PATH_PENDING = "~"


FIRST_SCREEN_OPEN = "~"  # sorts after any path: the whole (short) thread fits
COMMENTS_FIRST = 10  # comments of each answer on the first screen (first_screen_path's bound)


def path_segment(pk: int) -> str:
    return f"{pk:0{PATH_SEGMENT}d}"


class Discussion(models.Model):
    """A group's settings for one question: locked, and its own answer-first rule."""

    group = models.ForeignKey(StudyGroup, on_delete=models.CASCADE, related_name="discussions")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    locked = models.BooleanField(default=False, help_text="No new posts; existing ones stay.")
    answer_first = models.BooleanField(
        null=True, blank=True, help_text="Empty: as the group's setting says."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["group", "question"], name="discussion_unique")
        ]

    def __str__(self) -> str:
        return f"{self.group}: {self.question}"


class Post(models.Model):
    """What answers and comments share: Markdown in, sanitised HTML stored, moderation."""

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField()
    body_html = models.TextField()
    created = models.DateTimeField(default=timezone.now)
    # Each form carries a fresh token: the same form sent twice (a double click, a retry
    # after a timeout) finds its first post instead of making a second.
    client_token = models.UUIDField(null=True, blank=True, editable=False)
    edited = models.DateTimeField(null=True, blank=True)
    deleted = models.DateTimeField(null=True, blank=True)
    hidden = models.DateTimeField(null=True, blank=True)
    hidden_reason = models.CharField(max_length=300, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        abstract = True

    @property
    def kind(self) -> str:
        """ "answer", "comment" or "note": how links, audit entries and tasks name it."""
        return type(self).__name__.lower()

    @property
    def is_deleted(self) -> bool:
        return self.deleted is not None

    @property
    def is_hidden(self) -> bool:
        return self.hidden is not None


class Answer(Post):
    group = models.ForeignKey(StudyGroup, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    last_activity = models.DateTimeField(default=timezone.now)
    # Kept by comment_post, so a page can say "12 more comments" without counting them.
    comment_count = models.PositiveIntegerField(default=0)
    # The path of the last comment on the first screen (COMMENTS_FIRST of them in reading
    # order), kept by comment_post; "~" (after every path) while the thread is shorter. The
    # first screen is then one index range per answer, however long the thread grows.
    first_screen_path = models.CharField(
        max_length=(PATH_SEGMENT + 1) * PATH_DEPTH, default=FIRST_SCREEN_OPEN
    )

    class Meta:
        ordering = ["created", "id"]
        constraints = [
            # One answer per member per question per group (a deleted one is reused).
            models.UniqueConstraint(
                fields=["group", "question", "author"], name="one_answer_per_member"
            ),
            models.UniqueConstraint(fields=["author", "client_token"], name="answer_token_once"),
        ]
        indexes = [
            models.Index(fields=["group", "question", "created"]),
            models.Index(fields=["group", "question", "last_activity"]),
            # Full text search (PostgreSQL only: the migration makes it nowhere else).
            SearchIndex(name="answer_body_search"),
        ]

    def __str__(self) -> str:
        return f"Answer by {self.author} to {self.question_id} in {self.group}"

    def get_absolute_url(self) -> str:
        """The permalink: the answer's own page (with its whole thread), which holds it
        wherever it falls in the question's pages of answers."""
        return f"{reverse('discussion:answer', args=[self.group.slug, self.pk])}#answer-{self.pk}"


class Comment(Post):
    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    depth = models.PositiveIntegerField(default=0)
    path = models.CharField(
        max_length=(PATH_SEGMENT + 1) * PATH_DEPTH, blank=True, default=PATH_PENDING
    )

    class Meta:
        ordering = ["answer", "path"]
        constraints = [
            models.UniqueConstraint(fields=["author", "client_token"], name="comment_token_once")
        ]
        indexes = [
            models.Index(fields=["answer", "path"]),
            models.Index(fields=["answer", "created"]),
            SearchIndex(name="comment_body_search"),
        ]

    def __str__(self) -> str:
        return f"Comment by {self.author} on answer {self.answer_id}"

    def get_absolute_url(self) -> str:
        """The permalink (notifications, e-mails, latest activity): its answer's page, whose
        thread is whole, so the comment is there even when the question page would keep it
        behind "Show more comments"."""
        url = reverse("discussion:answer", args=[self.answer.group.slug, self.answer_id])
        return f"{url}#comment-{self.pk}"

    @property
    def indent(self) -> int:
        return min(self.depth, INDENT_LEVELS)

    @staticmethod
    def path_under(parent: "Comment | Note | None", pk: int) -> str:
        if parent is None:
            return path_segment(pk)
        prefix = parent.path
        if parent.path.count(".") + 1 >= PATH_DEPTH:
            prefix = parent.path.rsplit(".", 1)[0]
        return f"{prefix}.{path_segment(pk)}"


class Margin(models.Model):
    """A group's settings for one paragraph's notes: locked (no new notes; existing ones
    stay). Made when a facilitator first locks them, as ``Discussion`` is for a question."""

    group = models.ForeignKey(StudyGroup, on_delete=models.CASCADE, related_name="+")
    paragraph = models.ForeignKey(Paragraph, on_delete=models.CASCADE, related_name="+")
    locked = models.BooleanField(default=False, help_text="No new notes; existing ones stay.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["group", "paragraph"], name="margin_unique")]

    def __str__(self) -> str:
        return f"{self.group}: notes on paragraph {self.paragraph_id}"


class Note(Post):
    """A note in the margin of a paragraph, or a reply to one at any depth: the group's own
    thread on that passage, read in the group's reading view. It reads and sorts as a
    comment does (``path``), with the group and the paragraph in place of the answer."""

    group = models.ForeignKey(StudyGroup, on_delete=models.CASCADE, related_name="notes")
    # Notes rest on their paragraph: the importer refuses its removal (as for a citation).
    paragraph = models.ForeignKey(Paragraph, on_delete=models.CASCADE, related_name="+")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    depth = models.PositiveIntegerField(default=0)
    path = models.CharField(
        max_length=(PATH_SEGMENT + 1) * PATH_DEPTH, blank=True, default=PATH_PENDING
    )

    class Meta:
        ordering = ["group", "paragraph", "path"]
        constraints = [
            models.UniqueConstraint(fields=["author", "client_token"], name="note_token_once")
        ]
        indexes = [
            # A paragraph's thread in reading order; and the margin's counts, a chapter's
            # paragraphs at a time.
            models.Index(fields=["group", "paragraph", "path"]),
            SearchIndex(name="note_body_search"),
        ]

    def __str__(self) -> str:
        return f"Note by {self.author} on paragraph {self.paragraph_id} in {self.group}"

    def get_absolute_url(self) -> str:
        """The permalink: the paragraph's margin page, which holds its whole thread."""
        chapter, position = self.paragraph.chapter.number, self.paragraph.position
        url = reverse("discussion:margin", args=[self.group.slug, chapter, position])
        return f"{url}#note-{self.pk}"

    @property
    def indent(self) -> int:
        return min(self.depth, INDENT_LEVELS)

    path_under = staticmethod(Comment.path_under)


AnyPost = Answer | Comment | Note  # what the services write, moderate and may cite


class Visit(models.Model):
    """A member's last look at a question's page in a group, for "new since your last visit".

    ``seen_at`` is the latest load of the page; ``previous_seen_at`` the one before it, kept
    so that what this visit shows as new (posts after ``previous_seen_at``) stays the same
    for everything loaded later on the same visit: more answers, more comments, an answer's
    whole thread. Written by ``services.visit_record``, read by ``rules``.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    group = models.ForeignKey(StudyGroup, on_delete=models.CASCADE, related_name="+")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    seen_at = models.DateTimeField()
    previous_seen_at = models.DateTimeField(null=True, blank=True)  # None: the first visit

    class Meta:
        constraints = [
            # The page's one write (an upsert) finds its row by this index, and the group
            # page reads a member's visits of its questions by it.
            models.UniqueConstraint(fields=["user", "group", "question"], name="visit_once")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} saw {self.question_id} in {self.group_id} at {self.seen_at}"


class Citation(models.Model):
    """A post cites a paragraph of the group's text (``¶15.11`` in its Markdown): written by
    the service that saves the post (``citations.cite``), with the paragraph's text as it was
    then, so a page can say that the text was revised since it was quoted."""

    answer = models.ForeignKey(
        Answer, null=True, blank=True, on_delete=models.CASCADE, related_name="citations"
    )
    comment = models.ForeignKey(
        Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="citations"
    )
    note = models.ForeignKey(
        Note, null=True, blank=True, on_delete=models.CASCADE, related_name="citations"
    )
    # A cited paragraph is something a group wrote resting on it: the importer refuses its
    # removal (it finds this the way the admin's delete page does).
    paragraph = models.ForeignKey(Paragraph, on_delete=models.CASCADE, related_name="+")
    quoted = models.TextField(help_text="The paragraph's text when it was cited.")
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(answer__isnull=False, comment__isnull=True, note__isnull=True)
                | models.Q(answer__isnull=True, comment__isnull=False, note__isnull=True)
                | models.Q(answer__isnull=True, comment__isnull=True, note__isnull=False),
                name="citation_of_one_post",
            ),
            models.UniqueConstraint(
                fields=["answer", "paragraph"],
                condition=models.Q(answer__isnull=False),
                name="citation_once_per_answer",
            ),
            models.UniqueConstraint(
                fields=["comment", "paragraph"],
                condition=models.Q(comment__isnull=False),
                name="citation_once_per_comment",
            ),
            models.UniqueConstraint(
                fields=["note", "paragraph"],
                condition=models.Q(note__isnull=False),
                name="citation_once_per_note",
            ),
        ]

    def __str__(self) -> str:
        post = (
            f"answer {self.answer_id}"
            if self.answer_id
            else f"comment {self.comment_id}"
            if self.comment_id
            else f"note {self.note_id}"
        )
        return f"{post} cites paragraph {self.paragraph_id}"
