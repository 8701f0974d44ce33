"""Citing the text: ``¶15.11`` (chapter 15, its 11th paragraph) or ``¶15.11-13`` in a post.

``references()`` is the one parser; ``cite()``, called by the services that save a post,
finds the cited paragraphs of the group's text (one query), renders the post with them as
links (``markdown.render_citing``) and keeps its ``Citation`` rows as the post now cites: a
paragraph still cited keeps the text it was quoted with, a new one is quoted as it is now,
one no longer cited goes. A reference to no paragraph of the group's text is refused, with
the form saying which.

Rendered on save, like the rest of the post: the link and the quoted passage are part of
``body_html``, sanitised with it, and the pages that show a post read no more for them.
Only "revised since" is worked out as a page shows (``revised()``): the text's paragraphs
change without the discussion hearing of it (the importer, the admin, a roll-back), so that
comparison is one query a page, asked only when a post on it cites anything.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import F, Q
from django.urls import reverse

from content.models import Paragraph
from studygroup.groups.models import StudyGroup

from . import markdown
from .models import Answer, AnyPost, Citation, Comment
from .rules import DiscussionError

# ¶, the chapter's number, a dot, the paragraph's place; a range ends in -13 (or –13).
REFERENCE_RE = re.compile(r"¶(\d{1,4})\.(\d{1,5})(?:[-–](\d{1,5}))?(?![\d.]\d)")
MAX_RANGE = 20  # paragraphs one reference may span


@dataclass(frozen=True, slots=True, order=True)
class Reference:
    chapter: int
    first: int
    last: int

    @property
    def label(self) -> str:
        span = f"-{self.last}" if self.last != self.first else ""
        return f"¶{self.chapter}.{self.first}{span}"

    def positions(self) -> range:
        return range(self.first, self.last + 1)


def reference(match: re.Match[str]) -> Reference | None:
    """The reference one match of REFERENCE_RE makes, or None (a range backwards or too
    long)."""
    chapter, first = int(match[1]), int(match[2])
    last = int(match[3]) if match[3] else first
    if last < first or last - first >= MAX_RANGE:
        return None
    return Reference(chapter, first, last)


def references(source: str) -> list[Reference]:
    """Every well-formed reference in a post's Markdown, in order, each once."""
    found = (reference(m) for m in REFERENCE_RE.finditer(source))
    return list(dict.fromkeys(ref for ref in found if ref is not None))


def paragraphs_cited(text_id: int, refs: Iterable[Reference]) -> dict[tuple[int, int], Paragraph]:
    """The text's paragraphs these references name, by (chapter number, position): one
    query (none without references)."""
    where = Q()
    for ref in refs:
        where |= Q(chapter__number=ref.chapter, position__range=(ref.first, ref.last))
    if not where:
        return {}
    rows = Paragraph.objects.filter(where, chapter__text_id=text_id).select_related("chapter")
    return {(p.chapter.number, p.position): p for p in rows}


def reading_url(group: StudyGroup, chapter: int, position: int) -> str:
    """The paragraph in the group's reading view (its anchor is Paragraph.anchor's)."""
    return f"{reverse('discussion:read', args=[group.slug, chapter])}#p{position}"


@dataclass(frozen=True, slots=True)
class Cited:
    """A post's HTML with its citations, and its Citation rows to write once it is saved."""

    html: str
    quoted: dict[int, str]  # the paragraphs it cites (ids) and the text each is quoted with
    before: frozenset[int]  # those its rows cited until now

    def save(self, post: AnyPost) -> None:
        """Brings the post's rows in line: a paragraph still cited keeps its quote."""
        cited = set(self.quoted)
        if self.before - cited:
            Citation.objects.filter(**{_kind(post): post}).exclude(paragraph_id__in=cited).delete()
        if cited - self.before:
            Citation.objects.bulk_create(
                Citation(**{_kind(post): post}, paragraph_id=pk, quoted=self.quoted[pk])
                for pk in sorted(cited - self.before)
            )


def cite(*, group: StudyGroup, body: str, post: AnyPost | None = None) -> Cited:
    """``body`` rendered, its references to paragraphs of the group's text as links, and
    what its rows will be; ``post`` when it exists already (an edit). A reference to no
    paragraph of the text is refused (``DiscussionError``: the form says which). No query
    for a post that cites nothing and cited nothing."""
    refs = references(body)
    found = paragraphs_cited(group.text_id, refs)
    before: dict[int, str] = {}
    if post is not None and post.pk and CITING_MARK in (post.body_html or ""):
        rows = Citation.objects.filter(**{_kind(post): post})
        before = dict(rows.values_list("paragraph_id", "quoted"))
    typed = _words(body)
    links: dict[str, markdown.Citation] = {}  # by the reference as typed
    unknown: dict[str, markdown.Citation] = {}  # the same, naming no paragraph of the text
    cites: dict[str, list[tuple[int, str]]] = {}  # the same: its paragraphs, as quoted
    for match in REFERENCE_RE.finditer(body) if refs else ():
        ref = reference(match)
        if ref is None or match[0] in links or match[0] in unknown:
            continue
        if any((ref.chapter, n) not in found for n in ref.positions()):
            unknown[match[0]] = markdown.Citation("", ref.label, [])
            continue
        passages = []
        for n in ref.positions():
            if (paragraph := found.get((ref.chapter, n))) is not None:
                text = before.get(paragraph.pk, paragraph.body)
                url = reading_url(group, ref.chapter, n)
                # Quoted in the post already ("Cite" starts it so): not again under it.
                under = _words(text) not in typed
                passages.append(markdown.Passage(f"¶{paragraph.reference}", text, url, under))
                cites.setdefault(match[0], []).append((paragraph.pk, text))
        links[match[0]] = markdown.Citation(
            reading_url(group, ref.chapter, ref.first), ref.label, passages
        )
    html, used = markdown.render_citing(body, REFERENCE_RE, {**links, **unknown})
    # Refused where it would have been a link (in code, or a link's words, it is just text).
    if missing := [unknown[key].label for key in used if key in unknown]:
        raise DiscussionError(
            f"{', '.join(missing)}: no such paragraph in the text. A reference is the "
            "chapter's number and the paragraph's, as beside each paragraph (¶15.11), or a "
            "range in one chapter (¶15.11-13)."
        )
    quoted: dict[int, str] = {}  # paragraph id: the text it is quoted with
    for key in used:
        quoted.update(cites[key])
    return Cited(html, quoted, frozenset(before))


def _words(text: str) -> str:
    """Text as words, a Markdown quote's "> " marks taken off: to see a passage in a post."""
    lines = (re.sub(r"^\s*>\s?", "", line) for line in text.splitlines())
    return " ".join(" ".join(lines).split())


def _kind(post: AnyPost) -> str:
    if isinstance(post, Answer):
        return "answer"
    return "comment" if isinstance(post, Comment) else "note"


def uncite(post: AnyPost) -> None:
    """A deleted post cites nothing."""
    Citation.objects.filter(**{_kind(post): post}).delete()


@dataclass(frozen=True, slots=True)
class Revised:
    """A paragraph a post quoted whose text has changed since."""

    reference: str  # "15.11"
    url: str  # the current text, in the group's reading view


CITING_MARK = 'class="citation"'  # in body_html: the post cites something
QUOTED = '<details class="quoted">'  # in body_html: where the quoted passages start


def revised(
    group: StudyGroup,
    answers: Iterable[tuple[int, str]],
    comments: Iterable[tuple[int, str]],
    notes: Iterable[tuple[int, str]] = (),
) -> dict[tuple[str, int], list[Revised]]:
    """For the posts of a page, (pk, body_html) each, the paragraphs each quoted that have
    changed since, by ("answer" | "comment" | "note", pk): one query, none when no post
    cites."""
    answer_ids = [pk for pk, html in answers if html and CITING_MARK in html]
    comment_ids = [pk for pk, html in comments if html and CITING_MARK in html]
    note_ids = [pk for pk, html in notes if html and CITING_MARK in html]
    if not answer_ids and not comment_ids and not note_ids:
        return {}
    rows = (
        Citation.objects.filter(
            Q(answer_id__in=answer_ids) | Q(comment_id__in=comment_ids) | Q(note_id__in=note_ids)
        )
        .exclude(quoted=F("paragraph__body"))
        .order_by("paragraph__chapter__number", "paragraph__position")
        .values_list(
            "answer_id",
            "comment_id",
            "note_id",
            "paragraph__chapter__number",
            "paragraph__position",
        )
    )
    found: dict[tuple[str, int], list[Revised]] = {}
    for answer_id, comment_id, note_id, chapter, position in rows:
        key = (
            ("answer", answer_id)
            if answer_id
            else ("comment", comment_id)
            if comment_id
            else ("note", note_id)
        )
        found.setdefault(key, []).append(
            Revised(f"{chapter}.{position}", reading_url(group, chapter, position))
        )
    return found


def quote_start(group: StudyGroup, value: str | None) -> str:
    """An answer's start that quotes a paragraph (the reading view's "Cite": ``?cite=15.11``):
    ``> its text ¶15.11`` and a blank line, or "" for anything but a paragraph of the group's
    text (one query, none for a malformed value)."""
    match = REFERENCE_RE.fullmatch(f"¶{value or ''}"[:20])
    ref = reference(match) if match and not match[3] else None
    if ref is None:
        return ""
    paragraph = paragraphs_cited(group.text_id, [ref]).get((ref.chapter, ref.first))
    if paragraph is None:
        return ""
    lines = [f"> {line}" for line in paragraph.body.split("\n")]
    return "\n".join(lines) + f" ¶{paragraph.reference}\n\n"
