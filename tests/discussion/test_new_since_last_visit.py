"""New since your last visit: a question's page marks what others posted after the member's
visit before this one, and what the page loads later (more comments, more answers, an
answer's whole thread) marks by the same time. A first visit marks nothing; the member's
own posts, deleted and hidden ones are never news."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from studygroup.discussion import services
from studygroup.discussion.models import COMMENTS_FIRST, Answer, Comment, Visit
from studygroup.discussion.threads import ANSWERS_PAGE
from studygroup.groups.models import Membership
from tests.support import (
    HTMX,
    answer,
    article,
    comment,
    comments_shown,
    logged_in,
    make_user,
    page,
    question_url,
    url,
)

pytestmark = pytest.mark.django_db

# What a member sees, and a screen reader reads: a pill with the word, not a colour alone.
NEW = '<span class="badge new">New<span class="visually-hidden"> since your last visit</span>'


def answer_is_new(html: str, answer_: Answer) -> bool:
    """Whether the answer's own header (not its comments') carries the marker."""
    part = article(html, answer_)
    return NEW in part[: part.index("</header>")]


def new_comments(html: str) -> list[int]:
    return [pk for pk, _, markup in comments_shown(html) if NEW in markup]


def latest(html: str) -> str:
    start = html.index('<nav class="latest"')
    return html[start : html.index("</nav>", start)]


def test_a_first_visit_marks_nothing(group, membership, member, mia_membership, question):
    mias = answer(mia_membership, question, "Mia was here first.")
    comment(mia_membership, mias, "And comments on it.")
    html = page(logged_in(member).get(question_url(group, question)))
    assert "Mia was here first." in html
    assert NEW not in html
    visit = Visit.objects.get(user=membership.user, group=group, question=question)
    assert visit.previous_seen_at is None


def test_what_others_posted_since_the_last_visit_is_new_and_then_it_is_not(
    group, membership, member, mia_membership, fay_membership, question
):
    maxs = answer(membership, question, "Max's answer.")
    before = comment(mia_membership, maxs, "Before Max's visit.")
    client = logged_in(member)
    client.get(question_url(group, question))  # the visit
    mias = answer(mia_membership, question, "Mia's answer, after.")
    reply = comment(fay_membership, maxs, "Fay replies to Mia.", parent=before)
    comment(membership, mias, "Max's own comment is not news to Max.")

    html = page(client.get(question_url(group, question)))
    assert answer_is_new(html, mias)
    assert not answer_is_new(html, maxs)
    assert new_comments(html) == [reply.pk]
    # Exactly those two, and Fay's reply once more where the latest activity lists it.
    assert html.count(NEW) == 3
    assert NEW in latest(html).split("Fay Facilitator")[0].rsplit("<li>", 1)[1]

    # Coming back again: this visit moved the time on, so nothing is new any more.
    again = page(client.get(question_url(group, question)))
    assert "Fay replies to Mia." in again
    assert NEW not in again


def test_deleted_and_hidden_posts_are_not_news(
    group, membership, member, mia_membership, fay_membership, facilitator, question
):
    maxs = answer(membership, question)
    member_client, fay_client = logged_in(member), logged_in(facilitator)
    for client in (member_client, fay_client):
        client.get(question_url(group, question))
    kept = comment(mia_membership, maxs, "This one stays.")
    gone = comment(mia_membership, maxs, "Posted twice.")
    services.post_delete(post=gone, user=mia_membership.user)
    rude = comment(mia_membership, maxs, "Rude.")
    services.post_hide(post=rude, by=facilitator, reason="Be kind.")

    html = page(member_client.get(question_url(group, question)))
    assert "Hidden by a facilitator." in html and "Deleted by its author." in html
    assert new_comments(html) == [kept.pk]
    # The facilitators read a hidden post, but one of them has dealt with it: no news.
    html = page(fay_client.get(question_url(group, question)))
    assert "Hidden by a facilitator: Be kind." in html
    assert new_comments(html) == [kept.pk]


def test_what_the_page_loads_later_marks_by_the_time_the_page_was_opened(
    group, membership, member, mia, mia_membership, question
):
    maxs = answer(membership, question)
    client = logged_in(member)
    client.get(question_url(group, question))
    # A long thread, all of it after Max's visit: more than the first screen shows.
    rows = Comment.objects.bulk_create(
        Comment(answer=maxs, author=mia, body=f"C{i}", body_html=f"<p>C{i}</p>")
        for i in range(COMMENTS_FIRST + 3)
    )
    services.comments_repath(answer_ids=[maxs.pk])

    html = page(client.get(question_url(group, question)))
    assert len(new_comments(html)) == COMMENTS_FIRST
    seen = Visit.objects.get(user=member, question=question)
    path = Comment.objects.get(pk=rows[COMMENTS_FIRST - 1].pk).path
    more = f"{url('comments_more', group, maxs)}?after={path}"
    fragment = page(client.get(more, headers=HTMX))
    assert "<html" not in fragment
    assert new_comments(fragment) == [c.pk for c in rows[COMMENTS_FIRST:]]
    # The whole thread, where "more" leads without JavaScript: the same visit, the same news.
    whole = page(client.get(url("answer", group, maxs)))
    assert len(new_comments(whole)) == COMMENTS_FIRST + 3
    assert Visit.objects.get(pk=seen.pk).seen_at == seen.seen_at, "only the page is a visit"

    client.get(question_url(group, question))  # the next visit
    assert new_comments(page(client.get(more, headers=HTMX))) == []


def test_more_answers_mark_by_the_time_the_page_was_opened(group, membership, member, question):
    client = logged_in(member)
    client.get(question_url(group, question))
    users = [make_user(f"reader{n}", f"Reader {n}") for n in range(ANSWERS_PAGE + 2)]
    Membership.objects.bulk_create(Membership(group=group, user=u) for u in users)
    Answer.objects.bulk_create(
        Answer(group=group, question=question, author=u, body="Late.", body_html="<p>Late.</p>")
        for u in users
    )
    html = page(client.get(question_url(group, question)))
    assert html.count(NEW) == ANSWERS_PAGE
    more = html.split('class="more-answers"><a class="button secondary" href="')[1].split('"')[0]
    fragment = page(client.get(more, headers=HTMX))
    assert "<html" not in fragment
    assert fragment.count(NEW) == 2


def test_the_visit_is_one_write(group, membership, member, question):
    """One upsert a page load, whatever came before: no read-then-write, no savepoints."""
    client = logged_in(member)
    for _ in range(2):  # the first visit inserts, the next ones update the same row
        with CaptureQueriesContext(connection) as queries:
            client.get(question_url(group, question))
        visits = [q["sql"] for q in queries if "discussion_visit" in q["sql"]]
        assert len(visits) == 1 and visits[0].lstrip().startswith("INSERT"), visits
    visit = Visit.objects.get(user=member)
    assert visit.previous_seen_at is not None and visit.previous_seen_at < visit.seen_at
    # The whole discussion's page and a HEAD request read the visit; they are not one.
    client.get(reverse("discussion:question_all", args=[group.slug, question.pk]))
    client.head(question_url(group, question))
    assert Visit.objects.get(user=member).seen_at == visit.seen_at
