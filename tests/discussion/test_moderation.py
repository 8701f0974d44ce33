"""Moderation: a facilitator hides a post with a reason (its author still sees it, with the
reason; the others see a placeholder; replies stay) and shows it again, and locks a question.
Admins do the same from the Django admin."""

import pytest

from studygroup.discussion import services
from studygroup.discussion.models import Answer, Comment, Discussion
from tests.support import (
    HTMX,
    answer,
    article,
    comment,
    comments_shown,
    logged_in,
    page,
    question_url,
)
from tests.support import url as discussion_url

pytestmark = pytest.mark.django_db

TEXT = "Something better left unsaid"
REASON = "Personal attack; please keep to the argument"


@pytest.fixture
def thread(group, membership, mia_membership, fay_membership, question):
    """Max's answer with Max's comment on it, and Mia's reply to that comment."""
    maxs = answer(membership, question, f"{TEXT} (answer).")
    maxs_comment = comment(membership, maxs, f"{TEXT} (comment).")
    reply = comment(mia_membership, maxs, "Mia's reply stays.", parent=maxs_comment)
    return {"answer": maxs, "comment": maxs_comment, "reply": reply}


def moderate(client, group, post, htmx: bool = False, **data):
    name = "answer_moderate" if isinstance(post, Answer) else "comment_moderate"
    return client.post(discussion_url(name, group, post), data, headers=HTMX if htmx else {})


def refreshed(post):
    post.refresh_from_db()
    return post


@pytest.mark.parametrize("kind", ["answer", "comment"])
@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_a_hidden_post_shows_its_author_why_and_the_others_a_placeholder(
    group, thread, question, facilitator, member, mia, kind, htmx
):
    post = thread[kind]
    fay = logged_in(facilitator)
    response = moderate(fay, group, post, htmx, action="hide", reason=f"  {REASON}  ")
    if htmx:
        assert response.status_code == 200
        assert "<html" not in page(response)
        assert f"Hidden by a facilitator: {REASON}" in page(response)
    else:
        assert response.url == question_url(group, question, f"{kind}-{post.pk}")
    post = refreshed(post)
    assert (post.is_hidden, post.hidden_by, post.hidden_reason) == (True, facilitator, REASON)

    url = question_url(group, question)
    authors = page(logged_in(member).get(url))
    assert f"{TEXT} ({kind})." in authors
    assert f"Hidden by a facilitator: {REASON}" in authors

    others = page(logged_in(mia).get(url))
    assert f"{TEXT} ({kind})." not in others
    assert "Hidden by a facilitator." in others
    assert REASON not in others
    # The reply keeps its place, right under the hidden comment.
    shown = [(pk, indent) for pk, indent, _ in comments_shown(article(others, thread["answer"]))]
    assert shown == [(thread["comment"].pk, 0), (thread["reply"].pk, 1)]
    assert "<p>Mia's reply stays.</p>" in others

    facilitators = page(fay.get(url))
    assert f"{TEXT} ({kind})." in facilitators
    assert f"Hidden by a facilitator: {REASON}" in facilitators
    assert "Show again" in facilitators


@pytest.mark.parametrize("reason", ["", "   "], ids=["empty", "blank"])
def test_hiding_needs_a_reason(group, thread, facilitator, reason):
    client = logged_in(facilitator)
    response = moderate(client, group, thread["answer"], action="hide", reason=reason)
    assert "Give a reason: the author will see it." in page(client.get(response.url))
    assert not refreshed(thread["answer"]).is_hidden


def test_hiding_without_a_reason_says_why_with_htmx_too(group, thread, facilitator):
    response = moderate(
        logged_in(facilitator), group, thread["answer"], True, action="hide", reason="   "
    )
    # In the response or in an event for static/js/site.js to show: either way, in place.
    said = page(response) + response.get("HX-Trigger", "")
    assert "Give a reason: the author will see it." in said
    assert not refreshed(thread["answer"]).is_hidden


def test_an_unknown_moderation_action_changes_nothing(group, thread, facilitator):
    client = logged_in(facilitator)
    response = moderate(client, group, thread["answer"], action="delete", reason="x")
    assert "Choose to hide or show the post." in page(client.get(response.url))
    assert not refreshed(thread["answer"]).is_hidden


@pytest.mark.parametrize("kind", ["answer", "comment"])
def test_showing_again_restores_the_post(group, thread, question, facilitator, mia, kind):
    post = services.post_hide(post=thread[kind], by=facilitator, reason=REASON)
    moderate(logged_in(facilitator), group, post, action="unhide")
    post = refreshed(post)
    assert (post.is_hidden, post.hidden_by, post.hidden_reason) == (False, None, "")
    html = page(logged_in(mia).get(question_url(group, question)))
    assert f"{TEXT} ({kind})." in html
    assert "Hidden by a facilitator" not in html


def test_locking_stops_new_posts_and_keeps_the_old(
    group, thread, question, facilitator, member, mia
):
    fay = logged_in(facilitator)
    settings_url = discussion_url("question_settings", group, question)
    response = fay.post(settings_url, {"locked": "on", "answer_first": ""})
    assert response.url == question_url(group, question)
    assert "Saved." in page(fay.get(response.url))
    assert Discussion.objects.get(group=group, question=question).locked

    client = logged_in(mia)
    html = page(client.get(question_url(group, question)))
    assert "This question is locked: no new answers or comments." in html
    assert f"{TEXT} (answer)." in html
    assert "Mia&#x27;s reply stays." in html
    refused = client.post(discussion_url("answer_create", group, question), {"body": "Late."})
    assert "This question is locked" in page(refused)
    refused = client.post(
        discussion_url("comment_create", group, thread["answer"]), {"body": "Late."}
    )
    assert "This question is locked" in page(refused)
    assert Answer.objects.count() == 1
    assert Comment.objects.count() == 2

    fay.post(settings_url, {"answer_first": ""})  # the box unticked: unlocked
    response = client.post(discussion_url("answer_create", group, question), {"body": "Now."})
    assert response.status_code == 302
    assert "This question is locked" not in page(client.get(question_url(group, question)))


# The admin --------------------------------------------------------------------------------


@pytest.mark.parametrize("model", [Answer, Comment])
def test_admins_hide_and_show_posts_from_the_changelist(group, thread, question, admin, mia, model):
    posts = list(model.objects.all())
    changelist = f"/admin/discussion/{model._meta.model_name}/"
    client = logged_in(admin)
    selected = [p.pk for p in posts]
    response = client.post(changelist, {"action": "hide", "_selected_action": selected})
    assert response.status_code == 302
    for post in posts:
        post = refreshed(post)
        assert (post.is_hidden, post.hidden_by) == (True, admin)
        assert post.hidden_reason == "Removed by an admin."
    assert "Hidden by a facilitator." in page(logged_in(mia).get(question_url(group, question)))

    client.post(changelist, {"action": "unhide", "_selected_action": selected})
    assert not any(refreshed(post).is_hidden for post in posts)
    assert "Hidden by a facilitator" not in page(logged_in(mia).get(question_url(group, question)))


def test_admins_lock_a_question_from_the_discussion_admin(
    group, membership, question, admin, member
):
    response = logged_in(admin).post(
        "/admin/discussion/discussion/add/",
        {"group": group.pk, "question": question.pk, "locked": "on", "answer_first": "unknown"},
    )
    assert response.status_code == 302
    discussion = Discussion.objects.get(group=group, question=question)
    assert (discussion.locked, discussion.answer_first) == (True, None)
    with pytest.raises(services.DiscussionError, match="locked"):
        answer(membership, question)
    html = page(logged_in(member).get(question_url(group, question)))
    assert "This question is locked" in html
