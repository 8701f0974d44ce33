"""The meeting pack: a meeting on paper, its chapters in full with their references, its
questions with the discussion as the viewer may read it (answer-first and hiding kept), and
a page whose cost does not grow with the discussion."""

import re
from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from content.models import Paragraph
from studygroup.discussion import services
from studygroup.groups import services as group_services
from tests.support import answer, comment, logged_in, page

pytestmark = pytest.mark.django_db


def pack_url(meeting) -> str:
    return reverse("discussion:meeting_pack", args=[meeting.group.slug, meeting.pk])


def test_the_pack_holds_the_chapters_in_full_and_the_questions(member, membership, meeting):
    html = page(logged_in(member).get(pack_url(meeting)))
    for chapter in meeting.chapters.all():
        assert f"Chapter {chapter.number}." in html  # in its contents
        for paragraph in Paragraph.objects.filter(chapter=chapter):
            assert f"¶{chapter.number}.{paragraph.position}<" in html
        last = Paragraph.objects.filter(chapter=chapter).last()
        assert last.body.split()[0] in html
    for number, question in enumerate(meeting.questions.all(), start=1):
        assert f"Question {number}" in html and question.body in html
    assert "No answers yet." in html
    # Several chapters on one page: every id is there once, so every reference link works.
    ids = Counter(re.findall(r'\bid="([^"]+)"', html))
    assert not [i for i, n in ids.items() if n > 1]
    assert 'href="#c15-p1"' in html and 'id="c15-p1"' in html


def test_answer_first_and_hiding_hold_in_the_pack(
    answer_first, meeting, member, membership, mia_membership, fay_membership, facilitator
):
    question = meeting.questions.first()
    mias = answer(mia_membership, question, "Mia's answer, for those who answered.")
    rude = comment(fay_membership, mias, "A remark the facilitator hides.")
    services.post_hide(post=rude, by=facilitator, reason="Off topic.")
    html = page(logged_in(member).get(pack_url(meeting)))
    assert "Mia's answer" not in html, "answer-first: not before Max has answered"
    assert "Answer first" in html
    answer(membership, question, "Max's own answer.")
    html = page(logged_in(member).get(pack_url(meeting)))
    assert "Mia's answer, for those who answered." in html and "Max's own answer." in html
    assert "A remark the facilitator hides." not in html and "Hidden by a facilitator." in html


def test_an_outsider_gets_nothing_and_a_cancelled_meeting_says_so(outsider, meeting, facilitator):
    assert logged_in(outsider).get(pack_url(meeting)).status_code == 404
    group_services.meeting_cancel(meeting=meeting, by=facilitator)
    response = logged_in(facilitator).get(pack_url(meeting))
    assert response.status_code == 302 and response["Location"] == meeting.get_absolute_url()


def test_the_meeting_page_links_its_pack(member, membership, meeting):
    html = page(logged_in(member).get(meeting.get_absolute_url()))
    assert f'href="{pack_url(meeting)}"' in html


def test_its_queries_do_not_grow_with_the_discussion(
    meeting, member, membership, mia_membership, fay_membership
):
    client = logged_in(member)
    questions = list(meeting.questions.all())

    def queries() -> int:
        client.get(pack_url(meeting))  # warm: the session
        with CaptureQueriesContext(connection) as captured:
            assert client.get(pack_url(meeting)).status_code == 200
        return len(captured)

    for question in questions:
        answer(membership, question, "Max answers.")
    few = queries()
    for question in questions:
        for who in (mia_membership, fay_membership):
            post = answer(who, question, f"{who.user.name} answers.")
            for n in range(4):
                comment(membership, post, f"Comment {n}.")
    assert queries() == few
