"""The group's page says, beside each question of its meetings, how many posts are new to the
member since they last opened that question's page: counting only what that page would
show them (answer-first weighed, hidden and deleted posts left out), never their own."""

import re

import pytest
from django.urls import reverse

from content.models import Question
from studygroup.discussion import services
from studygroup.discussion.models import Visit
from studygroup.groups.models import Membership
from tests.support import (
    answer,
    comment,
    count_queries,
    forget_kept,
    logged_in,
    make_user,
    page,
    plan_meeting,
    question_url,
)

pytestmark = pytest.mark.django_db

NEW_COUNT = re.compile(r'<span class="badge new">(\d+) new<span class="visually-hidden">')


def up_next(html: str) -> str:
    return html[html.index('id="next-heading"') : html.index('id="schedule-heading"')]


def news(html: str, group, question) -> int | None:
    """The "N new" beside the question's link (None: none shown), in the list it is in."""
    link = f'href="{question_url(group, question)}"'
    if link not in html:
        raise AssertionError(f"no link to question {question.pk}")
    item = html[html.index(link) : html.index("</li>", html.index(link))]
    found = NEW_COUNT.search(item)
    return int(found[1]) if found else None


@pytest.fixture
def first(meeting) -> Question:
    return meeting.questions.order_by("position")[0]


@pytest.fixture
def second(meeting) -> Question:
    return meeting.questions.order_by("position")[1]


def test_a_new_answer_and_comment_are_counted_until_the_member_looks(
    group, meeting, membership, member, mia_membership, first, second
):
    maxs = answer(membership, first, "Max's answer.")
    client = logged_in(member)
    for question in (first, second):
        client.get(question_url(group, question))
    mias = answer(mia_membership, first, "Mia's answer.")
    comment(mia_membership, maxs, "Mia on Max's answer.")
    comment(membership, mias, "Max's own comment: not news to Max.")

    html = up_next(page(client.get(group.get_absolute_url())))
    assert news(html, group, first) == 2
    assert news(html, group, second) is None
    assert '2 new<span class="visually-hidden"> posts since your last visit</span>' in html

    client.get(question_url(group, first))  # Max reads them
    assert news(up_next(page(client.get(group.get_absolute_url()))), group, first) is None


def test_a_question_never_opened_shows_no_count(
    group, meeting, membership, member, mia_membership, first
):
    answer(mia_membership, first)
    html = page(logged_in(member).get(group.get_absolute_url()))
    assert news(up_next(html), group, first) is None
    assert "new<span" not in html


def test_answer_first_hides_the_count_of_what_the_member_may_not_read_yet(
    answer_first, group, meeting, membership, member, mia_membership, fay_membership,
    facilitator, first,
):  # fmt: skip
    member_client, fay_client = logged_in(member), logged_in(facilitator)
    for client in (member_client, fay_client):
        client.get(question_url(group, first))
    mias = answer(mia_membership, first, "Mia's answer.")
    comment(fay_membership, mias, "Fay on Mia's answer.")

    # Max has not answered: Mia's answer and its thread are hidden from him, and so is
    # how many posts there are; not even "1 new" gives them away.
    assert news(up_next(page(member_client.get(group.get_absolute_url()))), group, first) is None
    # The facilitator reads every answer (her own comment is not news to her).
    assert news(up_next(page(fay_client.get(group.get_absolute_url()))), group, first) == 1

    answer(membership, first, "Max answers at last.")
    # Now he may read them, and they came after his last look.
    assert news(up_next(page(member_client.get(group.get_absolute_url()))), group, first) == 2


def test_hidden_and_deleted_posts_are_not_counted(
    group, meeting, membership, member, mia_membership, facilitator, first
):
    maxs = answer(membership, first)
    client = logged_in(member)
    client.get(question_url(group, first))
    comment(mia_membership, maxs, "Stays.")
    gone = comment(mia_membership, maxs, "Posted twice.")
    services.post_delete(post=gone, user=mia_membership.user)
    rude = comment(mia_membership, maxs, "Rude.")
    services.post_hide(post=rude, by=facilitator, reason="Be kind.")
    hidden_answer = answer(mia_membership, first, "Off topic.")
    services.post_hide(post=hidden_answer, by=facilitator, reason="Off topic.")

    assert news(up_next(page(client.get(group.get_absolute_url()))), group, first) == 1


def test_the_schedule_adds_up_a_meetings_news_and_its_page_counts_each_question(
    group, meeting, membership, member, mia_membership, questions
):
    later = plan_meeting(group, days=14, questions=0)
    third, fourth = questions[2], questions[3]
    later.questions.set([third, fourth])
    client = logged_in(member)
    for question in (third, fourth):
        client.get(question_url(group, question))
    answer(mia_membership, third)
    comment(mia_membership, answer(mia_membership, fourth))

    html = page(client.get(group.get_absolute_url()))
    schedule = html[html.index('id="schedule-heading"') : html.index('id="members-heading"')]
    line = schedule[schedule.index(later.get_absolute_url()) :].split("</li>")[0]
    assert NEW_COUNT.search(line)[1] == "3"
    assert '3 new<span class="visually-hidden"> posts on its questions since' in line

    meeting_page = page(client.get(later.get_absolute_url()))
    assert news(meeting_page, group, third) == 1
    assert news(meeting_page, group, fourth) == 2


def test_the_counts_cost_one_query_however_many_questions_visits_and_posts(
    group, facilitator, membership, meeting, mia_membership, django_assert_num_queries
):
    """The group page's budget (test_dashboard.py) holds; the counts are one query of it."""
    client = logged_in(facilitator)
    url = group.get_absolute_url()
    for question in meeting.questions.all():
        client.get(question_url(group, question))
    small = count_queries(client, url)

    rest = list(Question.objects.of_text(group.text)[2:])  # the text's other questions
    for days, question in enumerate(rest, start=8):  # after the next meeting (7 days)
        plan_meeting(group, days=days, questions=0).questions.set([question])
    for question in [*meeting.questions.all(), *rest]:
        client.get(question_url(group, question))
    for n in range(5):
        joined = Membership.objects.create(group=group, user=make_user(f"m{n}", f"Member {n}"))
        for question in [*meeting.questions.all(), *rest]:
            comment(mia_membership, answer(joined, question))
    assert len(rest) >= 3
    assert Visit.objects.filter(user=facilitator).count() == 2 + len(rest)
    forget_kept()
    with django_assert_num_queries(small):
        html = page(client.get(url))
    # The next meeting's two questions, and each later meeting's line in the schedule.
    assert len(NEW_COUNT.findall(html)) == 2 + len(rest)
    assert "10 new" in html  # five answers and five comments on each question


def test_the_dashboard_is_unchanged(group, meeting, membership, member, mia_membership, first):
    """The dashboard (the groups layer) lists the same questions, without counts."""
    client = logged_in(member)
    client.get(question_url(group, first))
    answer(mia_membership, first)
    html = page(client.get(reverse("groups:dashboard")))
    assert question_url(group, first) in html
    assert "new<span" not in html
