"""Long discussions load a screenful and bring the rest on demand; nothing is out of reach."""

import pytest
from django.urls import reverse

from studygroup.discussion import services
from studygroup.discussion.models import COMMENTS_FIRST, Answer, Comment
from studygroup.discussion.threads import ANSWERS_PAGE, COMMENTS_MORE
from studygroup.groups.models import Membership
from tests.support import (
    HTMX,
    answer,
    comment,
    comments_shown,
    logged_in,
    make_user,
    page,
    question_url,
    url,
)

pytestmark = pytest.mark.django_db


def many_comments(answer_: Answer, author, n: int) -> list[Comment]:
    """``n`` comments in a chain of replies three deep, then flat, made in bulk."""
    rows = Comment.objects.bulk_create(
        Comment(answer=answer_, author=author, body=f"Comment {i}", body_html=f"<p>Comment {i}</p>")
        for i in range(n)
    )
    services.comments_repath(answer_ids=[answer_.pk])
    return rows


def test_a_long_thread_shows_its_first_comments_and_brings_the_rest(
    group, membership, member, mia_membership, mia, question
):
    maxs = answer(membership, question)
    many_comments(maxs, mia, COMMENTS_FIRST + COMMENTS_MORE + 5)
    client = logged_in(member)
    html = page(client.get(question_url(group, question)))
    assert len(comments_shown(html)) == COMMENTS_FIRST
    assert f"Show {COMMENTS_MORE + 5} more comments" in html

    more = reverse("discussion:comments_more", args=[group.slug, maxs.pk])
    last_path = Comment.objects.filter(answer=maxs).order_by("path")[COMMENTS_FIRST - 1].path
    fragment = page(client.get(f"{more}?after={last_path}", headers=HTMX))
    assert "<html" not in fragment
    assert len(comments_shown(fragment)) == COMMENTS_MORE
    assert "Comment 10" in fragment and "Comment 9<" not in fragment
    assert "Show more comments" in fragment  # five are left

    last_path = (
        Comment.objects.filter(answer=maxs)
        .order_by("path")[COMMENTS_FIRST + COMMENTS_MORE - 1]
        .path
    )
    fragment = page(client.get(f"{more}?after={last_path}", headers=HTMX))
    assert len(comments_shown(fragment)) == 5
    assert "Show more comments" not in fragment

    # Without JavaScript the link leads to the answer's whole thread.
    response = client.get(more)
    assert response.url == reverse("discussion:answer", args=[group.slug, maxs.pk])
    whole = page(client.get(response.url))
    assert len(comments_shown(whole)) == COMMENTS_FIRST + COMMENTS_MORE + 5


def test_many_answers_come_a_page_at_a_time_with_yours_first(group, membership, member, question):
    readers = [make_user(f"r{n}", f"Reader {n}") for n in range(ANSWERS_PAGE + 3)]
    for user in readers:
        answer(
            Membership.objects.create(group=group, user=user), question, f"From {user.username}."
        )
    mine = answer(membership, question, "Mine, posted last.")
    client = logged_in(member)
    html = page(client.get(question_url(group, question)))
    articles = html.count('<article class="answer')
    assert articles == ANSWERS_PAGE
    assert html.index(f'id="answer-{mine.pk}"') < html.index("From r0.")
    assert "More answers" in html

    after = Answer.objects.filter(author=readers[ANSWERS_PAGE - 2]).get().pk
    fragment = page(client.get(f"{question_url(group, question)}?after={after}", headers=HTMX))
    assert "<html" not in fragment
    assert fragment.count('<article class="answer') == 4
    assert "Mine, posted last." not in fragment
    assert "More answers" not in fragment
    # And without JavaScript, as a page of its own.
    later = client.get(f"{question_url(group, question)}?after={after}")
    assert "<html" in page(later) and "From r12." in page(later)


def test_the_whole_discussion_is_on_one_printable_page(
    group, membership, member, mia_membership, mia, question
):
    maxs = answer(membership, question)
    many_comments(maxs, mia, COMMENTS_FIRST + 3)
    html = page(logged_in(member).get(url("question_all", group, question)))
    assert len(comments_shown(html)) == COMMENTS_FIRST + 3
    assert "more comments" not in html


def test_a_reply_further_down_shows_where_its_writer_can_see_it(
    group, membership, member, mia_membership, mia, question
):
    maxs = answer(membership, question)
    rows = many_comments(maxs, mia, COMMENTS_FIRST + 3)
    response = logged_in(member).post(
        url("comment_create", group, maxs),
        {"body": "My late reply.", "parent": rows[-1].pk},
        headers=HTMX,
    )
    fragment = page(response)
    assert "Just posted" in fragment and "My late reply." in fragment


def test_editing_a_comment_swaps_that_comment_alone(
    group, membership, member, mia_membership, question
):
    maxs = answer(membership, question)
    mine = comment(membership, maxs, "Fisrt draft.")
    comment(mia_membership, maxs, "Another.")
    response = logged_in(member).post(
        url("comment_edit", group, mine), {"body": "First draft."}, headers=HTMX
    )
    fragment = page(response)
    assert [pk for pk, _, _ in comments_shown(fragment)] == [mine.pk]
    assert "First draft." in fragment and "edited" in fragment


def test_posting_a_reply_stays_within_the_query_budget(
    group, membership, member, mia_membership, mia, question, settings
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}  # a worker's
    maxs = answer(membership, question)
    first = comment(membership, maxs, "First.")
    DBTaskResult.objects.all().delete()
    client = logged_in(mia)
    client.get("/")
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            url("comment_create", group, maxs),
            {
                "body": "A reply.",
                "parent": first.pk,
                "token": "6f1c1a1e-0c6b-4a55-9a8e-0d0f1c1a1e0c",
            },
        )
    assert response.status_code == 302
    # The test runs inside a transaction, so the service's own shows up as a savepoint.
    statements = [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    # 13: the answer's row lock (derived fields stay exact under concurrent replies); 14: the
    # news of it queued for the worker, in the same transaction (notifications.rules.post_told).
    assert len(statements) <= 13, "\n".join(statements)
    [job] = DBTaskResult.objects.all()
    assert job.task_path.endswith("post_told")
    # The worker's part: the post and its author's membership loaded again; the replied-to
    # still in the group; grouping (their unread line of that post, looked up, or a new one
    # written), and watching (who watches the question, in one query; their unread line of
    # the question, looked up, or new ones written in one statement). None of it grows with
    # the thread or with the number of watchers.
    with CaptureQueriesContext(connection) as queries:
        job.task.call(*job.args_kwargs["args"], **job.args_kwargs["kwargs"])
    statements = [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert len(statements) <= 8, "\n".join(statements)
    assert mia.pk not in {n.recipient_id for n in member.notifications.all()}
    assert member.notifications.get().text.startswith("Mia Member replied to your comment")


def test_a_deep_reply_on_a_later_page_names_whom_it_answers(
    group, membership, member, mia_membership, question
):
    """Its parent was shown on the page before, not in its own rows: still named."""
    maxs = answer(membership, question)
    chain, parent = [], None
    for depth in range(COMMENTS_FIRST + 2):  # a chain deeper than the first screen
        by = mia_membership if depth % 2 == 0 else membership
        parent = comment(by, maxs, f"Depth {depth}", parent=parent)
        chain.append(parent)
    client = logged_in(member)
    first = comments_shown(page(client.get(question_url(group, question))))
    assert [pk for pk, _, _ in first] == [c.pk for c in chain[:COMMENTS_FIRST]]
    more = reverse("discussion:comments_more", args=[group.slug, maxs.pk])
    after = chain[COMMENTS_FIRST - 1].path
    later = comments_shown(page(client.get(f"{more}?after={after}", headers=HTMX)))
    assert [pk for pk, _, _ in later] == [c.pk for c in chain[COMMENTS_FIRST:]]
    for offset, (_, _, html) in enumerate(later):
        depth = COMMENTS_FIRST + offset  # its parent, at depth - 1, is Max's when depth is even
        parent_name = "Max Member" if depth % 2 == 0 else "Mia Member"
        assert f"replying to <bdi>{parent_name}</bdi>" in html
