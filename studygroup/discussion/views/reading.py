"""A chapter as the group reads it: the text, the meetings that assign it, the member's tick,
the group's questions on it with how many have answered, the margin of each paragraph (the
group's notes and the posts citing it), and the group's previous and next chapter. Its
typography is the public chapter page's (content/chapter.html#article)."""

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from content.models import Chapter, Question
from studygroup.accounts.http import AuthenticatedHttpRequest
from studygroup.core.cards import Card
from studygroup.groups.access import group_for_member
from studygroup.groups.models import Meeting, ReadingMark

from ..reports import answered_counts
from ..rules import margin_counts


@dataclass(frozen=True, slots=True)
class ChapterQuestion(Card):
    """One of the group's questions on the chapter, with how many members answered it."""

    question: Question
    answered: int


@dataclass(frozen=True, slots=True)
class ChapterMeeting(Card):
    """A meeting that assigns the chapter, with the other chapters it assigns."""

    meeting: Meeting
    also: list[Chapter]


@login_required
@require_safe
def read(request: AuthenticatedHttpRequest, slug: str, number: int) -> HttpResponse:
    group, membership = group_for_member(request, slug)
    chapter = get_object_or_404(Chapter, text_id=group.text_id, number=number)
    chapter.text = group.text  # the same row: no query to fetch it again
    meetings = [m for m in group.schedule() if any(c.pk == chapter.pk for c in m.chapters.all())]
    # One chapter matched: each question comes once without a DISTINCT.
    questions = list(group.questions().filter(chapters=chapter).select_related("group_question"))
    answered = answered_counts(group, [q.pk for q in questions])
    # The group's reading order is a short list (its meetings' chapters): one query for both.
    reads = list(group.reads().only("number", "title"))
    paragraphs = list(chapter.paragraphs.all())
    # "Cite" beside a paragraph (?cite=15.11) asks which question's answer starts with it.
    cite = request.GET.get("cite", "")
    citing = next((p for p in paragraphs if p.reference == cite), None)
    return render(
        request,
        "discussion/read.html",
        {
            "group": group,
            "membership": membership,
            "text": group.text,
            "chapter": chapter,
            "paragraphs": paragraphs,
            "cite_url": request.path if questions else "",
            # The margin beside each paragraph: the counts, its notes on demand.
            "margin_template": "discussion/read.html#margin",
            "margins": margin_counts(membership, chapter.pk),
            "citing": citing,
            "meetings": [
                ChapterMeeting(m, [c for c in m.chapters.all() if c.pk != chapter.pk])
                for m in meetings
            ],
            "done": ReadingMark.objects.filter(membership=membership, chapter=chapter).exists(),
            "questions": [ChapterQuestion(q, answered.get(q.pk, 0)) for q in questions],
            "previous": next((c for c in reversed(reads) if c.number < chapter.number), None),
            "next": next((c for c in reads if c.number > chapter.number), None),
        },
    )
