"""Reading a question's discussion: what a member sees, in a fixed handful of queries.

A page holds a screenful, however long the discussion: the first answers (the viewer's own
first), each with the first comments of its thread in reading order. The rest comes on
demand, a page at a time, by keyset (answer id, comment path), so no request's work grows
with the size of the whole thread.

What the templates read are the cards below: small frozen records with everything a post
shows (its URLs, its time, what this viewer may do with it) worked out here, once. Who may
see what is ``rules``' to say; this module asks it.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from django.db import connection
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from content import compiled
from content.models import Question
from studygroup.accounts.models import User
from studygroup.core import paths
from studygroup.core.cards import Card, Escaped
from studygroup.core.times import Moment
from studygroup.groups.models import Membership, StudyGroup

from .citations import QUOTED, Revised, revised
from .markdown import text_of
from .models import INDENT_LEVELS, Answer, Comment
from .rules import Standing, is_new, readable_by, shown, standing

ANSWERS_PAGE = 10  # answers on a screen; "More answers" brings the next ones
COMMENTS_MORE = 50  # comments a "more" request brings
LATEST = 5  # the newest comments listed at the top of the page
LATEST_ANSWERS = 10  # the most recently active answers those are sought in
FORMER = "A former member"


@dataclass(frozen=True, slots=True)
class CommentCard(Card):
    # What the template shows of ours is made safe here, once: numbers as strings (Django
    # localises every int it renders), names escaped once a page, URLs and ids of slugs and
    # digits marked safe. Only the notice (a facilitator's reason) is escaped as it renders.
    pk: int
    kind: str  # "comment", or "note" (in the margin): what the page calls it
    anchor: str  # "comment-12": its id on the page
    indent: str  # "0" to INDENT_LEVELS
    author: str
    replying_to: str  # said for replies deeper than the indentation shows
    when: Moment
    edited: bool
    body_html: SafeString | None  # None when this viewer may not read it
    notice: str  # why the text is not shown, or that it is hidden
    deleted: bool
    hidden: bool
    new: bool  # written since the viewer's last visit (rules.is_new)
    reply_url: str  # "" when replies are closed
    edit_url: str  # "" unless the viewer wrote it and may still change it
    delete_url: str
    moderate_url: str  # "" unless the viewer is a facilitator
    revised: list[Revised] = field(default_factory=list)  # what it quoted that changed since


@dataclass(frozen=True)
class AnswerCard(Card):
    pk: int
    anchor: str  # "answer-12"
    form_id: str  # "comment-on-12": its comment form (ids as text: a number is localised)
    author: str
    mine: bool
    when: Moment
    edited: bool
    body_html: SafeString | None
    notice: str
    deleted: bool
    hidden: bool
    new: bool
    url: str  # the answer with its whole thread
    comments_url: str  # where comments on it are posted ("" when closed)
    edit_url: str
    delete_url: str
    moderate_url: str
    comments: list[CommentCard]
    more_count: int  # comments after those shown (0: none, or not counted)
    more_url: str  # the next page of comments, for htmx ("" when there is none)
    just_posted: CommentCard | None = None  # the viewer's new comment, if not on screen
    revised: list[Revised] = field(default_factory=list)


@dataclass(frozen=True)
class LatestCard(Card):
    author: str
    when: Moment
    excerpt: str
    url: str
    new: bool


@dataclass
class ThreadPage(Card):
    """A question's discussion as one member sees it, a screen (or all of it) at a time."""

    standing: Standing
    answers: list[AnswerCard] = field(default_factory=list)
    hidden_count: int = 0  # others' answers held back by answer-first
    more_answers_url: str = ""
    latest: list[LatestCard] = field(default_factory=list)

    @property
    def locked(self) -> bool:
        return self.standing.locked

    @property
    def can_see_others(self) -> bool:
        return self.standing.sees_others

    @property
    def my_answer(self) -> Answer | None:
        return self.standing.my_answer


# The columns a comment card needs, read as tuples: a long thread is hundreds of rows, and
# model instances (three a row, with the authors) would cost more than the page's markup.
COMMENT_COLUMNS = (
    "pk",
    "answer_id",
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
    "parent_id",  # its author's id and names follow it (_with_parents): 16 columns a row
)


class Cards:
    """Turns posts into cards for one viewer on one question; what is the same for every
    card (the viewer, the group's slug, the clock, locked or not) is worked out once."""

    KIND = "comment"  # of the rows ``comment()`` turns into cards: their anchors and URLs

    def __init__(self, standing: Standing) -> None:
        self.standing = standing
        self.start(standing.membership, locked=standing.locked, since=standing.new_since)

    def start(self, viewer: Membership, *, locked: bool, since: datetime | None) -> None:
        self.slug = viewer.group.slug
        self.viewer = viewer
        self.facilitator = viewer.is_facilitator
        self.open = not locked
        self.now = timezone.now()
        self.zone = timezone.get_current_timezone()  # looked up once, not a time a post
        self.since = since  # what is new starts here (None: nothing is)
        self.names = Escaped()  # authors' names, escaped once a page
        self.revised: dict[tuple[str, int], list[Revised]] = {}

    def quoting(self, answers: Sequence[Answer], rows: Sequence[tuple]) -> None:
        """What the page's posts quoted that the text has revised since: one query for the
        page, none unless a post on it cites (see citations.revised)."""
        self.revised = revised(
            self.standing.group,
            [(a.pk, a.body_html) for a in answers],
            [(r[0], r[9]) for r in rows],
        )

    def is_new(
        self,
        created: datetime,
        author_id: int | None,
        deleted: datetime | None,
        hidden: datetime | None,
    ) -> bool:
        return is_new(
            created=created,
            author_id=author_id,
            deleted=deleted is not None,
            hidden=hidden is not None,
            viewer=self.viewer,
            since=self.since,
        )

    def _url(self, name: str, pk: int) -> SafeString:
        # A slug and a number: nothing in it to escape (see CommentCard).
        return SafeString(paths.reverse(f"discussion:{name}", args=(self.slug, pk)))

    def comments_url(self, answer_id: int) -> str:
        """Where comments on the answer are posted; "" while the question is locked."""
        return self._url("comment_create", answer_id) if self.open else ""

    def comment(self, row: tuple, comments_url: str) -> CommentCard:
        (pk, _, depth, _, created, edited, deleted, hidden, reason, body_html, author_id) = row[:11]
        see = shown(
            deleted=deleted is not None,
            hidden=hidden is not None,
            hidden_reason=reason,
            author_id=author_id,
            viewer=self.viewer,
        )
        indent = min(depth, INDENT_LEVELS)
        names = self.names
        replying_to = ""
        if depth > indent:
            replying_to = names[User.name_of(row[14], row[15])] if row[13] else "a former member"
        mine = author_id == self.viewer.user_id and deleted is None and self.open
        live = deleted is None
        kind = self.KIND
        return CommentCard(
            pk=pk,
            kind=kind,
            anchor=SafeString(f"{kind}-{pk}"),
            indent=SafeString(indent),
            author=names[User.name_of(row[11], row[12])] if author_id else FORMER,
            replying_to=replying_to,
            when=Moment.of(created, self.now, self.zone),
            edited=edited is not None and see.text,
            body_html=mark_safe(body_html) if see.text else None,  # sanitised when saved
            notice=see.notice,
            deleted=not live,
            hidden=hidden is not None,
            new=self.is_new(created, author_id, deleted, hidden),
            reply_url=SafeString(f"{comments_url}?parent={pk}") if comments_url and live else "",
            edit_url=self._url(f"{kind}_edit", pk) if mine else "",
            delete_url=self._url(f"{kind}_delete", pk) if mine else "",
            moderate_url=self._url(f"{kind}_moderate", pk) if self.facilitator and live else "",
            revised=self.revised.get((kind, pk), []) if see.text else [],
        )

    def answer(
        self, answer: Answer, rows: list[tuple], *, more_count: int = 0, next_path: str = ""
    ) -> AnswerCard:
        see = shown(
            deleted=answer.is_deleted,
            hidden=answer.is_hidden,
            hidden_reason=answer.hidden_reason,
            author_id=answer.author_id,
            viewer=self.viewer,
        )
        pk, live = answer.pk, not answer.is_deleted
        mine = answer.author_id == self.viewer.user_id and live and self.open
        comments_url = self.comments_url(pk)
        more_url = ""
        if next_path:  # digits and dots
            more_url = SafeString(f"{self._url('comments_more', pk)}?after={next_path}")
        return AnswerCard(
            pk=pk,
            anchor=SafeString(f"answer-{pk}"),
            form_id=SafeString(f"comment-on-{pk}"),
            author=answer.author.name if answer.author else FORMER,
            mine=answer.author_id == self.viewer.user_id,
            when=Moment.of(answer.created, self.now, self.zone),
            edited=answer.edited is not None and see.text,
            body_html=mark_safe(answer.body_html) if see.text else None,
            notice=see.notice,
            deleted=not live,
            hidden=answer.is_hidden,
            new=self.is_new(answer.created, answer.author_id, answer.deleted, answer.hidden),
            url=self._url("answer", pk),
            comments_url=comments_url,
            edit_url=self._url("answer_edit", pk) if mine else "",
            delete_url=self._url("answer_delete", pk) if mine else "",
            moderate_url=self._url("answer_moderate", pk) if self.facilitator and live else "",
            comments=[self.comment(row, comments_url) for row in rows],
            more_count=more_count,
            more_url=more_url,
            revised=self.revised.get(("answer", pk), []) if see.text else [],
        )


def comment_rows(
    answers: Sequence[Answer], *, first: bool = False, after: str = "", limit: int | None = None
):
    """Comments of these answers in reading order, in one query: all of them, the first
    screen of each thread (``first``), or (for one answer) ``limit`` after the path
    ``after``."""
    if not answers:
        return []
    if first:
        # Compiled once per number of answers (content.compiled): building the OR of ten
        # answers' ranges was a sixth of the question page.
        values: compiled.Values = {}
        for i, answer in enumerate(answers):
            values[f"answer_{i}"], values[f"path_{i}"] = answer.pk, answer.first_screen_path
        return _with_parents(compiled.rows(f"first-screens:{len(answers)}", _first_screens, values))
    rows = Comment.objects.filter(answer_id__in=[a.pk for a in answers])
    if after:
        rows = rows.filter(path__gt=after)
    found = rows.order_by("answer_id", "path").values_list(*COMMENT_COLUMNS)
    return _with_parents(list(found[:limit] if limit else found))


def _with_parents(rows: list[tuple]) -> list[tuple]:
    """Each row with its parent's author (id, display name, user name) in place of the
    parent's id. In reading order a parent comes before its replies, so a first screen
    holds every parent it names; a later page asks for those before it in one query. Joined
    in SQL instead, PostgreSQL hashed the whole comments table for it (20,000 rows read for
    a 10,000-comment thread's first screen)."""
    authors = {row[0]: row[10:13] for row in rows}
    missing = {row[13] for row in rows if row[13] is not None and row[13] not in authors}
    if missing:
        earlier = Comment.objects.filter(pk__in=missing)
        for pk, *author in earlier.values_list("pk", *COMMENT_COLUMNS[10:13]):
            authors[pk] = tuple(author)
    none = (None, None, None)
    return [row[:13] + (authors.get(row[13], none) if row[13] else none) for row in rows]


def _first_screens(**values: int | str) -> QuerySet[Comment, tuple]:
    """Each answer's comments up to the path ending its first screen. Given as constants,
    the bounds are one range scan of the (answer, path) index per answer (PostgreSQL's
    BitmapOr); as a joined column, or beside an "answer in (...)" it would take instead,
    PostgreSQL reads the whole threads and filters."""
    bounds = Q()
    for i in range(len(values) // 2):
        bounds |= Q(answer_id=values[f"answer_{i}"], path__lte=values[f"path_{i}"])
    rows = Comment.objects.filter(bounds).order_by("answer_id", "path")
    return rows.values_list(*COMMENT_COLUMNS)


def _by_answer(rows: list[tuple]) -> dict[int, list[tuple]]:
    grouped: dict[int, list[tuple]] = {}
    for row in rows:
        grouped.setdefault(row[1], []).append(row)
    return grouped


def answer_card(
    standing: Standing, answer: Answer, *, full: bool = False, just_posted: int | None = None
) -> AnswerCard:
    """One answer with the first screen of its thread (or all of it); a comment the viewer
    just posted further down the thread shows under it, so its writer sees it in place."""
    cards = Cards(standing)
    rows = comment_rows([answer], first=not full)
    cards.quoting([answer], rows)
    more = 0 if full else max(0, answer.comment_count - len(rows))
    card = cards.answer(answer, rows, more_count=more, next_path=rows[-1][3] if more else "")
    if just_posted and all(c.pk != just_posted for c in card.comments):
        extra = list(Comment.objects.filter(pk=just_posted).values_list(*COMMENT_COLUMNS))
        if extra:
            card = replace(card, just_posted=cards.comment(extra[0], card.comments_url))
    return card


def _latest_query(answer_ids: list[int], user_id: int | None = None):
    """The newest comments of these answers that the member ``user_id`` may read (every
    live one, for a facilitator: no ``user_id``)."""
    mine = readable_by(user_id or 0, facilitator=user_id is None)
    # Each answer's newest few: a short backward scan of its (answer, created) index.
    parts = [
        Comment.objects.filter(mine, answer_id=answer_id).order_by("-created")  # as indexed
        .values("pk")[:LATEST]
        for answer_id in answer_ids
    ]  # fmt: skip
    if connection.features.supports_slicing_ordering_in_compound:  # PostgreSQL
        # One list of ids for the outer query to look up: as separate IN (...) tests,
        # PostgreSQL would scan every comment to try them.
        newest = Q(pk__in=parts[0].union(*parts[1:], all=True))
    else:  # SQLite takes no LIMIT inside a UNION: each answer's as a subquery of its own
        newest = Q()
        for part in parts:
            newest |= Q(pk__in=part)
    return (
        Comment.objects.filter(newest)
        .order_by("-created", "-id")
        .values_list(
            "pk",
            "answer_id",
            "created",
            "body_html",
            "author__display_name",
            "author__username",
            "author_id",
            "hidden",
        )[:LATEST]
    )


def comment_card(standing: Standing, comment: Comment) -> CommentCard:
    """One comment as this viewer now sees it (after an edit, a delete, a hide)."""
    cards = Cards(standing)
    row = Comment.objects.filter(pk=comment.pk).values_list(*COMMENT_COLUMNS).get()
    cards.quoting([], [row])
    return cards.comment(row, cards.comments_url(comment.answer_id))


def more_comments(standing: Standing, answer: Answer, after: str) -> tuple[list[CommentCard], str]:
    """The next comments of one answer's thread after the path ``after``, and the URL of the
    page after them ("" at the end)."""
    cards = Cards(standing)
    rows = comment_rows([answer], after=after, limit=COMMENTS_MORE + 1)
    cards.quoting([], rows[:COMMENTS_MORE])
    comments_url = cards.comments_url(answer.pk)
    more_url = ""
    if len(rows) > COMMENTS_MORE:
        rows = rows[:COMMENTS_MORE]
        more_url = SafeString(f"{cards._url('comments_more', answer.pk)}?after={rows[-1][3]}")
    return [cards.comment(row, comments_url) for row in rows], more_url


def thread_page(
    group: StudyGroup,
    question: Question,
    membership: Membership,
    *,
    after_answer: int | None = None,
    full: bool = False,
) -> ThreadPage:
    """What this member may see of a question's discussion, a screen at a time.

    ``after_answer`` gives the next page of answers; ``full`` gives every answer with every
    comment (the printable thread, whose cost is what it shows).
    """
    here = standing(membership, question)
    page = ThreadPage(here)
    user_id = membership.user_id
    if after_answer is None and not full:  # the question's page: compiled once
        values: compiled.Values = {
            "group_id": group.pk,
            "question_id": question.pk,
            "user_id": user_id,
        }
        rows = compiled.objects("answers-first-page", _first_page, values)
    else:
        answers = _answers(group.pk, question.pk, user_id)
        if after_answer is not None:
            last = Answer.objects.filter(group=group, question=question, pk=after_answer).first()
            answers = answers.exclude(author_id=user_id)
            if last is not None:
                answers = answers.filter(
                    Q(created__gt=last.created) | Q(created=last.created, pk__gt=last.pk)
                )
        rows = list(answers if full else answers[: ANSWERS_PAGE + 1])
    more_after = None
    if not full and len(rows) > ANSWERS_PAGE:
        rows = rows[:ANSWERS_PAGE]
        more_after = rows[-1].pk
    if after_answer is None:  # a first page holds the viewer's answer, if there is one
        here.knows_my_answer(next((a for a in rows if a.author_id == user_id), None))
    for answer in rows:
        answer.group = group
    visible = [a for a in rows if here.may_see(a)]
    if not here.sees_others:
        page.hidden_count = (
            Answer.objects.filter(group=group, question=question, deleted__isnull=True)
            .exclude(author_id=user_id)
            .count()
        )
        more_after = None
    if more_after is not None:
        url = paths.reverse("discussion:question", args=(group.slug, question.pk))
        page.more_answers_url = f"{url}?after={more_after}"
    cards = Cards(here)
    comments = comment_rows(visible, first=not full)
    cards.quoting(visible, comments)
    threads = _by_answer(comments)
    for answer in visible:
        mine = threads.get(answer.pk, [])
        more = 0 if full else max(0, answer.comment_count - len(mine))
        next_path = mine[-1][3] if more else ""
        page.answers.append(cards.answer(answer, mine, more_count=more, next_path=next_path))
    if after_answer is None and not full and visible:
        page.latest = latest(here, cards)
    return page


def _answers(group_id: int, question_id: int, user_id: int) -> QuerySet[Answer]:
    """The question's answers in the group, the viewer's own first, then by date."""
    answers = Answer.objects.filter(group_id=group_id, question_id=question_id)
    mine = Case(
        When(author_id=user_id, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return answers.select_related("author").annotate(mine=mine).order_by("mine", "created", "id")


def _first_page(group_id: int, question_id: int, user_id: int) -> QuerySet[Answer]:
    return _answers(group_id, question_id, user_id)[: ANSWERS_PAGE + 1]


def _active_answers(
    group_id: int, question_id: int, author_id: int | None = None
) -> QuerySet[Answer, tuple[int]]:
    """The most recently active answers, or those of ``author_id`` alone
    (``Standing.only_author``)."""
    answers = Answer.objects.filter(group_id=group_id, question_id=question_id)
    if author_id is not None:
        answers = answers.filter(author_id=author_id)
    return answers.order_by("-last_activity").values_list("pk")[:LATEST_ANSWERS]


def latest(here: Standing, cards: Cards) -> list[LatestCard]:
    """The newest comments this member may read, anywhere in the discussion.

    Sought among the most recently active answers (a comment bumps its answer's
    last_activity): the newest few of each, read from the (answer, created) index, so the
    rows read stay those the box could show however long the threads grow. Two queries: the
    answers, then their comments (compiled once per number of answers: content.compiled).
    """
    which: compiled.Values = {"group_id": here.group.pk, "question_id": here.question.pk}
    if (author := here.only_author) is not None:  # Standing.visible, compiled
        which["author_id"] = author
    active = compiled.rows(f"latest-answers:{len(which)}", _active_answers, which)
    values: compiled.Values = {"answer_ids": [pk for (pk,) in active]}
    if not here.membership.is_facilitator:  # they read every live post: no author to name
        values["user_id"] = here.membership.user_id
    rows = compiled.rows(f"latest:{len(values)}", _latest_query, values)
    found = [
        LatestCard(
            author=User.name_of(display, username) if author_id else FORMER,
            when=Moment.of(created, cards.now, cards.zone),
            excerpt=text_of(body_html.split(QUOTED, 1)[0]),  # not the quotes
            url=f"{cards._url('answer', answer_id)}#comment-{pk}",
            new=cards.is_new(created, author_id, None, hidden),  # readable: none deleted
        )
        for pk, answer_id, created, body_html, display, username, author_id, hidden in rows
    ]
    return found if len(found) > 1 else []
