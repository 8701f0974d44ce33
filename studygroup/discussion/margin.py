"""The margin of the group's text: notes on a paragraph, and the posts that cite it.

A paragraph's notes are a thread of the same kind as an answer's comments (Markdown, replies
to any depth, edit, delete, hide, lock), read as the same cards (``threads.CommentCard``,
``kind="note"``). The reading view shows each paragraph's counts (``rules.margin_counts``,
one grouped query for the chapter) and opens a margin on demand: ``margin_page`` is that,
in a fixed handful of queries whatever the chapter holds. What a member may read is the
rules' to say: ``readable`` (hiding) for notes, ``citations_readable`` (hiding and
answer-first) for the posts that cite.
"""

from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.text import Truncator

from content.models import Paragraph
from studygroup.core.cards import Card
from studygroup.groups.models import Membership, StudyGroup, question_label

from .citations import reading_url, revised
from .models import Citation, Margin, Note
from .rules import citations_readable
from .threads import FORMER, Cards, CommentCard

EXCERPT = 200  # characters of a citing post shown in the margin

# The columns of a note's card, in the order of threads.COMMENT_COLUMNS (the paragraph where
# a comment has its answer), so that ``Cards.comment`` reads either.
NOTE_COLUMNS = (
    "pk",
    "paragraph_id",
    "depth",
    "path",
    "created",
    "edited",
    "deleted",
    "hidden",
    "hidden_reason",
    "body_html",
    "author_id",
    "author__display_name",
    "author__username",
    "parent__author_id",
    "parent__author__display_name",
    "parent__author__username",
)


class NoteCards(Cards):
    """Cards for one paragraph's notes: a comment's, with the note's URLs. Nothing in the
    margin is marked new (a visit is the question page's)."""

    KIND = "note"

    def __init__(self, membership: Membership, *, locked: bool) -> None:
        self.start(membership, locked=locked, since=None)

    def notes_url(self, paragraph: Paragraph) -> str:
        """Where notes on the paragraph are posted; "" while they are locked."""
        if not self.open:
            return ""
        return SafeString(margin_url(self.viewer.group, paragraph, "note_create"))


@dataclass(frozen=True, slots=True)
class CitingPost(Card):
    label: str  # "Answer by Max to Q5", "Note by Rosa on ¶15.2"
    url: str
    excerpt: str  # its words, plain (escaped as it renders)


@dataclass
class MarginPage(Card):
    """A paragraph's margin as one member sees it."""

    paragraph: Paragraph
    url: str  # this margin (the page without JavaScript, the fragment with)
    read_url: str  # the paragraph in the group's reading view
    locked: bool
    notes_url: str  # where a note is posted ("" when locked)
    lock_url: str  # a facilitator's lock and unlock ("" for the others)
    notes: list[CommentCard] = field(default_factory=list)
    citing: list[CitingPost] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return f"margin-{self.paragraph.anchor}"


def margin_url(group: StudyGroup, paragraph: Paragraph, name: str = "margin") -> str:
    """The paragraph's margin (or, by ``name``, where its notes are posted or locked)."""
    return reverse(f"discussion:{name}", args=[group.slug, *paragraph.place])


def margin_page(membership: Membership, paragraph: Paragraph) -> MarginPage:
    """The paragraph's notes (the whole thread, in reading order) and the posts citing it,
    as this member may read them."""
    group = membership.group
    locked = Margin.objects.filter(group=group, paragraph=paragraph, locked=True).exists()
    cards = NoteCards(membership, locked=locked)
    rows = list(
        Note.objects.filter(group=group, paragraph=paragraph)
        .order_by("path")
        .values_list(*NOTE_COLUMNS)
    )
    cards.revised = revised(group, (), (), [(r[0], r[9]) for r in rows])
    notes_url = cards.notes_url(paragraph)
    url = margin_url(group, paragraph)
    return MarginPage(
        paragraph=paragraph,
        url=url,
        read_url=reading_url(group, *paragraph.place),
        locked=locked,
        notes_url=notes_url,
        lock_url=margin_url(group, paragraph, "margin_lock") if membership.is_facilitator else "",
        notes=[cards.comment(row, notes_url) for row in rows],
        citing=_citing(membership, paragraph),
    )


def note_card(membership: Membership, note: Note) -> CommentCard:
    """One note as this viewer now sees it (after an edit, a delete, a hide)."""
    locked = Margin.objects.filter(
        group_id=note.group_id, paragraph_id=note.paragraph_id, locked=True
    ).exists()
    cards = NoteCards(membership, locked=locked)
    row = Note.objects.filter(pk=note.pk).values_list(*NOTE_COLUMNS).get()
    cards.revised = revised(membership.group, (), (), [(row[0], row[9])])
    return cards.comment(row, cards.notes_url(note.paragraph))


def _citing(membership: Membership, paragraph: Paragraph) -> list[CitingPost]:
    """The posts citing the paragraph that this member may read, newest first: one query."""
    rows = (
        Citation.objects.filter(citations_readable(membership), paragraph=paragraph)
        .select_related(
            "answer__author",
            "answer__question__group_question",
            "comment__author",
            "comment__answer__question__group_question",
            "note__author",
            "note__paragraph__chapter",
        )
        .order_by("-created", "-id")
    )
    group = membership.group  # every row's: citations_readable keeps to the group
    found = []
    for citation in rows:
        post = citation.answer or citation.comment or citation.note
        assert post is not None  # the table's check: a citation is of one post
        name = post.author.name if post.author else FORMER
        if citation.answer:
            citation.answer.group = group
            label = f"Answer by {name} to {question_label(citation.answer.question)}"
        elif citation.comment:
            citation.comment.answer.group = group
            label = f"Comment by {name} on {question_label(citation.comment.answer.question)}"
        else:
            assert citation.note is not None
            citation.note.group = group
            label = f"Note by {name} on ¶{citation.note.paragraph.reference}"
        found.append(CitingPost(label, post.get_absolute_url(), excerpt(post.body)))
    return found


def excerpt(body: str) -> str:
    """A post's start, as words: where it quoted a passage (``> …``), the rest first."""
    own = " ".join(line for line in body.splitlines() if not line.lstrip().startswith(">"))
    words = " ".join((own or body).split())
    return Truncator(words).chars(EXCERPT)
