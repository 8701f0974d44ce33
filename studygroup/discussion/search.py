"""Searching a group: its text's paragraphs, its questions, and the answers, comments and
margin notes its members may read, each hit with a highlighted snippet and a link to the
exact place.

What a member may read is the rules' to say, and asked here once a search: ``readable()``
(hidden and deleted posts) and ``questions_open_to()`` (answer-first, per question); a
member's own posts they always find. The work is a fixed handful of queries (one each for
paragraphs, questions, which questions are open, answers, comments, notes), however many
hits.

PostgreSQL searches in full text (``websearch_to_tsquery``: "a phrase", -word, or), ranked,
through the GIN indexes of the models' ``search_vector``; other databases (SQLite) find
what holds every word (a quoted phrase as one; -word left out), case-insensitive.
"""

import re
import secrets
from dataclasses import dataclass, field

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db import connection
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from content.models import SEARCH_CONFIG, Paragraph, search_vector
from studygroup.core.cards import Card
from studygroup.groups.models import Membership, question_label

from .citations import reading_url
from .models import Answer, AnyPost, Comment, Note
from .rules import questions_open_to, readable

LIMIT = 20  # hits shown in each group of results
MAX_QUERY = 200  # characters of a query read
MAX_TERMS = 8  # words or phrases of a query read (the fallback's)
SNIPPET = 160  # characters of a fallback snippet
BEFORE = 40  # of them before the first hit


@dataclass(frozen=True, slots=True)
class Hit(Card):
    label: str  # "¶15.11", "Q5", "Answer by Max to Q5"
    title: str  # the chapter's or the question's words, plain (escaped as it renders)
    url: str
    snippet: SafeString  # escaped, the words found in <mark>


@dataclass
class Results(Card):
    query: str
    paragraphs: list[Hit] = field(default_factory=list)
    questions: list[Hit] = field(default_factory=list)
    posts: list[Hit] = field(default_factory=list)  # answers and comments, best first

    @property
    def empty(self) -> bool:
        return not (self.paragraphs or self.questions or self.posts)


@dataclass(frozen=True, slots=True)
class Terms:
    """A query as the fallback reads it: what must appear, and what must not."""

    include: tuple[str, ...]
    exclude: tuple[str, ...]


TERM_RE = re.compile(r'(-?)"([^"]*)"?|(-?)(\S+)')


def terms(query: str) -> Terms:
    """Words and "quoted phrases", each to appear; a leading minus, each to be absent."""
    include: list[str] = []
    exclude: list[str] = []
    for match in TERM_RE.finditer(query[:MAX_QUERY]):
        minus = match[1] or match[3]
        words = " ".join((match[2] if match[2] is not None else match[4]).split())
        words = words.strip("\"'")
        if not words or words.lower() == "or":
            continue
        (exclude if minus else include).append(words)
    return Terms(tuple(include[:MAX_TERMS]), tuple(exclude[:MAX_TERMS]))


def search(membership: Membership, query: str) -> Results:
    """What this member finds for ``query`` in their group, as they may read it."""
    query = " ".join(query.split())[:MAX_QUERY]
    results = Results(query)
    found = terms(query)
    if not found.include:  # nothing to look for ("", "-word" alone): nothing found
        return results
    search_by = _Postgres(query) if connection.vendor == "postgresql" else _Words(found)
    group = membership.group
    slug = group.slug

    paragraphs = search_by.rows(
        Paragraph.objects.filter(
            chapter__text_id=group.text_id, chapter__retired_at__isnull=True
        ).select_related("chapter"),
        order=("chapter__number", "position"),
    )
    for p, snippet in paragraphs:
        results.paragraphs.append(
            Hit(
                f"¶{p.reference}",
                f"{p.chapter.number}. {p.chapter.title}",
                reading_url(group, p.chapter.number, p.position),
                snippet,
            )
        )

    questions = search_by.rows(group.questions().select_related("group_question"), order=())
    for q, snippet in questions:
        url = reverse("discussion:question", args=[slug, q.pk])
        results.questions.append(Hit(question_label(q), "", url, snippet))

    mine = membership.user_id
    open_ids = questions_open_to(membership)
    answers = search_by.rows(
        Answer.objects.filter(readable(membership), group=group)
        .filter(Q(author_id=mine) | Q(question_id__in=open_ids))
        .select_related("author", "question__group_question"),
        order=("-created", "-id"),
    )
    # A comment is read in its answer's thread: there where the member may read the answer.
    comments = search_by.rows(
        Comment.objects.filter(readable(membership), answer__group=group)
        .filter(Q(answer__author_id=mine) | Q(answer__question_id__in=open_ids))
        .select_related("author", "answer__question__group_question"),
        order=("-created", "-id"),
    )
    notes = search_by.rows(
        Note.objects.filter(readable(membership), group=group).select_related(
            "author", "paragraph__chapter"
        ),
        order=("-created", "-id"),
    )
    posts: list[tuple[float, int, Hit]] = []
    for a, snippet in answers:
        a.group = group
        label = f"Answer by {_name(a)} to {question_label(a.question)}"
        posts.append((a.rank, 0, Hit(label, a.question.body, a.get_absolute_url(), snippet)))
    for c, snippet in comments:
        c.answer.group = group
        label = f"Comment by {_name(c)} on {question_label(c.answer.question)}"
        hit = Hit(label, c.answer.question.body, c.get_absolute_url(), snippet)
        posts.append((c.rank, 1, hit))
    for n, snippet in notes:
        n.group = group
        label = f"Note by {_name(n)} on ¶{n.paragraph.reference}"
        title = f"{n.paragraph.chapter.number}. {n.paragraph.chapter.title}"
        posts.append((n.rank, 2, Hit(label, title, n.get_absolute_url(), snippet)))
    posts.sort(key=lambda row: (-row[0], row[1]))
    results.posts = [hit for _, _, hit in posts[:LIMIT]]
    return results


def _name(post: AnyPost) -> str:
    return post.author.name if post.author else "a former member"


class _Postgres:
    """Full text: the websearch query against the indexed vector, ranked, with headlines."""

    def __init__(self, query: str) -> None:
        self.query = SearchQuery(query, search_type="websearch", config=SEARCH_CONFIG)
        # Marks no post can hold (a fresh secret each search): the headline is escaped
        # whole, then only these become <mark>.
        token = secrets.token_hex(8)
        self.start, self.stop = f"[[{token}", f"{token}]]"

    def rows(self, rows: QuerySet, order: tuple[str, ...]) -> list[tuple]:
        vector = search_vector()
        rows = (
            rows.alias(found=vector)
            .annotate(
                rank=SearchRank(vector, self.query),
                headline=SearchHeadline(
                    "body",
                    self.query,
                    config=SEARCH_CONFIG,
                    start_sel=self.start,
                    stop_sel=self.stop,
                    max_words=30,
                    min_words=12,
                    max_fragments=2,
                    fragment_delimiter=" … ",
                ),
            )
            .filter(found=self.query)
            .order_by("-rank", *order)
        )
        return [(row, self.snippet(row.headline)) for row in rows[:LIMIT]]

    def snippet(self, headline: str) -> SafeString:
        safe = str(escape(headline))
        return mark_safe(safe.replace(self.start, "<mark>").replace(self.stop, "</mark>"))


class _Words:
    """The fallback: every word (or phrase) appears, none of the excluded, any case."""

    def __init__(self, found: Terms) -> None:
        self.terms = found
        self.pattern = re.compile(
            "|".join(re.escape(t) for t in sorted(found.include, key=len, reverse=True)),
            re.IGNORECASE,
        )

    def rows(self, rows: QuerySet, order: tuple[str, ...]) -> list[tuple]:
        for term in self.terms.include:
            rows = rows.filter(body__icontains=term)
        for term in self.terms.exclude:
            rows = rows.exclude(body__icontains=term)
        if order:
            rows = rows.order_by(*order)
        found = []
        for row in rows[:LIMIT]:
            row.rank = 0.0
            found.append((row, self.snippet(row.body)))
        return found

    def snippet(self, body: str) -> SafeString:
        """Around the first hit, escaped, each hit in <mark>."""
        text = " ".join(body.split())
        first = self.pattern.search(text)
        start = max(0, first.start() - BEFORE) if first else 0
        if start:
            space = text.find(" ", start)
            start = space + 1 if 0 <= space < (first.start() if first else start) else start
        end = min(len(text), start + SNIPPET)
        if end < len(text):
            space = text.rfind(" ", start, end)
            end = space if space > (first.end() if first else start) else end
        window = text[start:end]
        out, at = [], 0
        for hit in self.pattern.finditer(window):
            out.append(str(escape(window[at : hit.start()])))
            out.append(f"<mark>{escape(hit[0])}</mark>")
            at = hit.end()
        out.append(str(escape(window[at:])))
        lead = "… " if start else ""
        tail = " …" if end < len(text) else ""
        return mark_safe(lead + "".join(out) + tail)
