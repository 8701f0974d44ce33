"""Posting, editing and deleting answers and comments: one answer each, refusals that say why
and keep what was typed, placeholders that keep replies in place, and nothing of another
group or text within reach."""

import re
import threading
from types import SimpleNamespace

import pytest
from django.db import connection, connections
from django.urls import reverse

from content.models import Paragraph
from studygroup.discussion import services
from studygroup.discussion.models import Answer, Comment, Note
from studygroup.groups.models import Membership
from tests.support import (
    HTMX,
    answer,
    article,
    comment,
    comments_shown,
    logged_in,
    page,
    question_url,
    url,
)

pytestmark = pytest.mark.django_db


def everything() -> tuple:
    """Every post's state: a refused write must leave it exactly as it was."""
    fields = ("pk", "body", "body_html", "edited", "deleted", "hidden")
    return (
        list(Answer.objects.order_by("pk").values_list(*fields)),
        list(Comment.objects.order_by("pk").values_list(*fields)),
        list(Note.objects.order_by("pk").values_list(*fields)),
    )


# Posting --------------------------------------------------------------------------------


def test_an_answer_posted_without_htmx_redirects_to_it(group, membership, member, question):
    client = logged_in(member)
    response = client.post(url("answer_create", group, question), {"body": "The *soviets*."})
    mine = Answer.objects.get(group=group, question=question, author=member)
    assert response.status_code == 302
    assert response.url == question_url(group, question, f"answer-{mine.pk}")
    assert mine.body_html == "<p>The <em>soviets</em>.</p>"
    html = page(client.get(response.url))
    assert "The <em>soviets</em>." in html
    assert 'id="answer-form"' not in html, "one answer each: the form has gone"


def test_an_answer_posted_with_htmx_returns_the_answers_fragment(
    group, membership, member, question
):
    response = logged_in(member).post(
        url("answer_create", group, question), {"body": "Dual power."}, headers=HTMX
    )
    assert response.status_code == 200
    fragment = page(response)
    assert fragment.lstrip().startswith('<section id="answers"')
    assert "<p>Dual power.</p>" in fragment
    assert "<html" not in fragment


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_a_second_answer_is_refused_and_changes_nothing(group, membership, member, question, htmx):
    answer(membership, question, "My first answer.")
    before = everything()
    response = logged_in(member).post(
        url("answer_create", group, question),
        {"body": "My second try."},
        headers=HTMX if htmx else {},
    )
    html = page(response)
    assert "You have answered this question already: edit your answer." in html
    assert "My second try." in html, "what was typed comes back"
    assert response.status_code == (200 if htmx else 400)
    assert ("<html" in html) is not htmx
    assert everything() == before


def test_one_answer_per_group_so_a_member_of_two_answers_in_each(
    group, group_b, membership, member, question
):
    in_b = Membership.objects.create(group=group_b, user=member)
    answer(membership, question, "Said in group A.")
    answer(in_b, question, "Said in group B.")
    assert Answer.objects.filter(author=member, question=question).count() == 2
    html = page(logged_in(member).get(question_url(group, question)))
    assert "Said in group A." in html
    assert "Said in group B." not in html


def test_a_second_answer_through_the_services_is_refused(membership, question):
    answer(membership, question, "First.")
    with pytest.raises(services.DiscussionError, match="answered this question already"):
        answer(membership, question, "Second.")
    assert Answer.objects.filter(question=question).count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite lets one writer in at a time")
def test_two_racing_first_answers_leave_one(transactional_db, membership, question):
    barrier = threading.Barrier(2)
    outcomes = []

    def post(body: str) -> None:
        try:
            barrier.wait(timeout=10)
            outcomes.append(answer(membership, question, body))
        except services.DiscussionError as exc:
            outcomes.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post, args=(f"Answer {n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(type(o).__name__ for o in outcomes) == ["Answer", "DiscussionError"]
    assert Answer.objects.filter(question=question, author=membership.user).count() == 1


def test_a_comment_and_a_reply_redirect_to_their_anchor(
    group, membership, mia_membership, mia, question
):
    maxs = answer(membership, question)
    client = logged_in(mia)
    response = client.post(url("comment_create", group, maxs), {"body": "Why?"})
    first = Comment.objects.get(answer=maxs)
    assert response.url == first.get_absolute_url()  # the permalink: there even behind "more"
    response = client.post(
        url("comment_create", group, maxs), {"body": "And also…", "parent": first.pk}
    )
    reply = Comment.objects.get(parent=first)
    assert response.url == reply.get_absolute_url()
    assert (reply.answer, reply.depth) == (maxs, 1)


def test_a_comment_posted_with_htmx_returns_its_answer_fragment(
    group, membership, mia_membership, mia, question
):
    maxs = answer(membership, question)
    response = logged_in(mia).post(
        url("comment_create", group, maxs), {"body": "Why?"}, headers=HTMX
    )
    fragment = page(response)
    assert fragment.lstrip().startswith(f'<article class="answer" id="answer-{maxs.pk}"')
    assert "<p>Why?</p>" in fragment
    assert "<html" not in fragment


# Editing and deleting your own ----------------------------------------------------------


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_editing_your_answer_marks_it_edited(group, membership, member, question, htmx):
    mine = answer(membership, question, "Before.")
    client = logged_in(member)
    response = client.post(
        url("answer_edit", group, mine),
        {"body": "After, **better**."},
        headers=HTMX if htmx else {},
    )
    mine.refresh_from_db()
    assert (mine.body, mine.body_html) == (
        "After, **better**.",
        "<p>After, <strong>better</strong>.</p>",
    )
    assert mine.edited is not None
    if htmx:
        assert "<html" not in page(response)
        html = page(response)
    else:
        assert response.url == question_url(group, question, f"answer-{mine.pk}")
        html = page(client.get(response.url))
    assert "· edited" in article(html, mine)
    assert "Before." not in html


def test_editing_your_comment_marks_it_edited(group, membership, mia_membership, mia, question):
    maxs = answer(membership, question)
    mine = comment(mia_membership, maxs, "Befor.")
    client = logged_in(mia)
    response = client.post(url("comment_edit", group, mine), {"body": "Before."})
    assert response.url == question_url(group, question, f"comment-{mine.pk}")
    mine.refresh_from_db()
    assert (mine.body, mine.edited is not None) == ("Before.", True)
    [(_, _, shown)] = comments_shown(page(client.get(response.url)))
    assert "<p>Before.</p>" in shown
    assert "· edited" in shown


def test_deleting_your_answer_keeps_a_placeholder_and_the_replies(
    group, membership, mia_membership, member, question
):
    mine = answer(membership, question, "Regrettable words.")
    reply = comment(mia_membership, mine, "A reply worth keeping.")
    client = logged_in(member)
    response = client.post(url("answer_delete", group, mine))
    assert response.url == question_url(group, question, f"answer-{mine.pk}")
    mine.refresh_from_db()
    assert (mine.body, mine.body_html, mine.is_deleted) == ("", "", True)

    html = page(client.get(response.url))
    assert "Regrettable words." not in html
    assert "Deleted by its author." in article(html, mine)
    assert [pk for pk, _, _ in comments_shown(article(html, mine))] == [reply.pk]
    assert "A reply worth keeping." in html
    # Deleted, the answer may be written anew: the same post comes back, replies and all.
    assert 'id="answer-form"' in html
    client.post(url("answer_create", group, question), {"body": "Second thoughts."})
    assert Answer.objects.get(question=question, author=member).pk == mine.pk
    assert Comment.objects.get(pk=reply.pk).answer_id == mine.pk


def test_deleting_your_comment_keeps_its_replies_in_place(
    group, membership, mia_membership, mia, question
):
    maxs = answer(membership, question)
    mine = comment(mia_membership, maxs, "Hasty comment.")
    reply = comment(membership, maxs, "A reply.", parent=mine)
    response = logged_in(mia).post(url("comment_delete", group, mine), headers=HTMX)
    mine.refresh_from_db()
    assert (mine.body, mine.body_html, mine.is_deleted) == ("", "", True)
    fragment = page(response)
    assert "<html" not in fragment
    assert "Hasty comment." not in fragment
    # In place: the fragment is the deleted comment alone, swapped over the old one.
    [(first, first_indent, placeholder)] = comments_shown(fragment)
    assert (first, first_indent) == (mine.pk, 0)
    assert "Deleted by its author." in placeholder
    # The thread keeps its shape: the reply still follows its parent's placeholder.
    html = page(logged_in(mia).get(url("question", group, question)))
    [(_, _, placeholder), (second, second_indent, kept)] = comments_shown(html)
    assert (second, second_indent) == (reply.pk, 1)
    assert "Deleted by its author." in placeholder and "A reply." in kept


@pytest.mark.parametrize("name", ["answer_edit", "answer_delete", "comment_edit", "comment_delete"])
@pytest.mark.parametrize("who", ["mia", "facilitator"])
def test_nobody_changes_another_members_post(
    group, membership, mia_membership, fay_membership, question, name, who, mia, facilitator
):
    maxs = answer(membership, question, "Max's answer.")
    post = maxs if name.startswith("answer") else comment(membership, maxs, "Max's comment.")
    before = everything()
    client = logged_in({"mia": mia, "facilitator": facilitator}[who])
    response = client.post(url(name, group, post), {"body": "Vandalised."})
    assert response.status_code == 403
    assert "Only its author can" in page(response)
    assert everything() == before


# Nothing of another group or text -------------------------------------------------------

POST_URLS = [
    "answer_edit",
    "answer_delete",
    "answer_moderate",
    "comment_create",
    "comment_edit",
    "comment_delete",
    "comment_moderate",
]


@pytest.mark.parametrize("name", POST_URLS)
def test_group_bs_posts_are_not_found_from_group_a(
    group, fay_membership, facilitator, elsewhere, name
):
    post = elsewhere.answer if name.startswith("answer") else elsewhere.comment
    if name == "comment_create":
        post = elsewhere.answer
    before = everything()
    response = logged_in(facilitator).post(
        url(name, group, post), {"body": "Hello B", "action": "hide", "reason": "Because"}
    )
    assert response.status_code == 404
    assert everything() == before


def test_a_reply_to_a_comment_elsewhere_is_not_found(
    group, membership, mia_membership, member, question, elsewhere
):
    maxs = answer(membership, question)
    mias = answer(mia_membership, question)
    on_mias = comment(mia_membership, mias)
    client = logged_in(member)
    for parent in [elsewhere.comment.pk, on_mias.pk, "abc", "0"]:
        response = client.post(url("comment_create", group, maxs), {"body": "x", "parent": parent})
        assert response.status_code == 404, parent
    assert not Comment.objects.filter(answer=maxs).exists()


def test_a_reply_to_a_unicode_digit_parent_is_not_found(group, membership, member, question):
    maxs = answer(membership, question)
    client = logged_in(member)
    client.raise_request_exception = False
    response = client.post(url("comment_create", group, maxs), {"body": "x", "parent": "²"})
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("name", "method"),
    [("question", "get"), ("answer_create", "post"), ("question_settings", "post")],
)
@pytest.mark.parametrize("which", ["group_question", "other_text_question"])
def test_questions_outside_the_group_are_not_found(
    group, fay_membership, facilitator, elsewhere, name, method, which
):
    target = getattr(elsewhere, which)
    response = getattr(logged_in(facilitator), method)(
        url(name, group, target), {"body": "An answer", "locked": "on"} if method == "post" else {}
    )
    assert response.status_code == 404
    assert not Answer.objects.filter(question=target, group=group).exists()


# Refused posts say why and keep the text ------------------------------------------------


@pytest.fixture
def targets(group, membership, mia_membership, questions):
    """The forms a member writes in, as Max: each with its URL, form id and limit."""
    maxs = answer(membership, questions[1], "Max's answer.")
    mias = answer(mia_membership, questions[1], "Mia's answer.")
    maxs_comment = comment(membership, mias, "Max's comment.")
    paragraph = Paragraph.objects.select_related("chapter").get(
        chapter__text=group.text, chapter__number=15, position=2
    )
    maxs_note = services.note_post(membership=membership, paragraph=paragraph, body="Max's note.")
    margin = [group.slug, 15, 2]
    return {
        "note_create": SimpleNamespace(
            url=reverse("discussion:note_create", args=margin),
            form_id="note-on-p2",
            limit=5_000,
        ),
        "note_edit": SimpleNamespace(
            url=url("note_edit", group, maxs_note),
            form_id=f"edit-note-{maxs_note.pk}",
            limit=5_000,
        ),
        "answer_create": SimpleNamespace(
            url=url("answer_create", group, questions[0]),
            form_id="answer-form",
            limit=10_000,
            question=questions[0],
        ),
        "answer_edit": SimpleNamespace(
            url=url("answer_edit", group, maxs),
            form_id=f"edit-answer-{maxs.pk}",
            limit=10_000,
            question=questions[1],
        ),
        "comment_create": SimpleNamespace(
            url=url("comment_create", group, mias),
            form_id=f"comment-on-{mias.pk}",
            limit=5_000,
            question=questions[1],
        ),
        "comment_edit": SimpleNamespace(
            url=url("comment_edit", group, maxs_comment),
            form_id=f"edit-comment-{maxs_comment.pk}",
            limit=5_000,
            question=questions[1],
        ),
    }


TARGETS = ["answer_create", "answer_edit", "comment_create", "comment_edit"]
WRITES = [*TARGETS, "note_create", "note_edit"]  # the margin's notes: no question to lock


def assert_refused(response, target, htmx: bool, *, says: str, kept: str = "") -> None:
    """Refused: in place with htmx (a fragment), else a 400 page; the form says why."""
    html = page(response)
    assert says in html
    assert f'<form id="{target.form_id}"' in html
    if kept:
        assert kept in html, "what was typed comes back in the form"
    if htmx:
        assert response.status_code == 200
        assert response["HX-Retarget"] == f"#{target.form_id}"
        assert "<html" not in html
    else:
        assert response.status_code == 400
        assert "<html" in html
        assert "Your post was not saved yet." in html


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize("name", WRITES)
@pytest.mark.parametrize("body", ["", "  \n\t "], ids=["empty", "blank"])
def test_an_empty_post_is_refused(member, targets, name, htmx, body):
    target = targets[name]
    before = everything()
    response = logged_in(member).post(target.url, {"body": body}, headers=HTMX if htmx else {})
    assert_refused(response, target, htmx, says="Write something first")
    assert everything() == before


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize("name", WRITES)
def test_an_overlong_post_is_refused_with_the_reason_and_kept(member, targets, name, htmx):
    target = targets[name]
    typed = "a" * (target.limit + 1)
    before = everything()
    response = logged_in(member).post(target.url, {"body": typed}, headers=HTMX if htmx else {})
    assert_refused(response, target, htmx, says=f"the limit is {target.limit:,}", kept=typed)
    assert everything() == before


@pytest.mark.parametrize("name", WRITES)
def test_a_post_of_exactly_the_limit_is_taken(member, targets, name):
    target = targets[name]
    response = logged_in(member).post(target.url, {"body": "a" * target.limit})
    assert response.status_code == 302
    assert any(
        model.objects.filter(body="a" * target.limit).exists() for model in (Answer, Comment, Note)
    )


@pytest.mark.parametrize("name", TARGETS)
def test_a_locked_question_refuses_posts_and_keeps_the_old_ones(group, member, targets, name):
    target = targets[name]
    services.discussion_set(group=group, question=target.question, locked=True)
    before = everything()
    client = logged_in(member)
    response = client.post(target.url, {"body": "Too late."})
    assert_refused(response, target, False, says="This question is locked: no new posts.")
    assert everything() == before

    html = page(client.get(question_url(group, target.question)))
    assert "This question is locked" in html
    assert 'id="answer-form"' not in html
    assert "Comment on this answer" not in html
    if target.question != targets["answer_create"].question:
        assert "Max&#x27;s answer." in html or "Max's answer." in html
        assert "Mia&#x27;s answer." in html or "Mia's answer." in html


# Every form has a page of its own: where a link leads without JavaScript. ------------------


def test_the_reply_form_comes_as_a_page_or_in_place(group, membership, mia_membership, question):
    maxs = answer(membership, question, "Max's answer.")
    mias = comment(mia_membership, maxs, "Mia asks *why*.")
    reply_url = f"{url('comment_create', group, maxs)}?parent={mias.pk}"
    client = logged_in(membership.user)

    html = page(client.get(reply_url))
    assert "<h1>Your reply</h1>" in html
    assert "Replying to Mia Member" in html and "<em>why</em>" in html  # what is answered
    assert f'<input type="hidden" name="parent" value="{mias.pk}">' in html
    fragment = page(client.get(reply_url, headers=HTMX))
    assert "<html" not in fragment and 'id="reply-' in fragment and "Your reply" in fragment

    token = re.search(r'name="token" value="([^"]+)"', html)[1]
    response = client.post(reply_url, {"parent": mias.pk, "body": "Because.", "token": token})
    reply = Comment.objects.get(parent=mias)
    assert response.url == reply.get_absolute_url()


def test_edit_delete_and_hide_each_have_a_page(group, membership, fay_membership, question):
    maxs = answer(membership, question, "Max's first thoughts.")
    mine = comment(membership, maxs, "Max's comment.")
    client = logged_in(membership.user)
    edit = page(client.get(url("comment_edit", group, mine)))
    assert "Edit your comment" in edit and "Max&#x27;s comment.</textarea>" in edit
    confirm = page(client.get(url("comment_delete", group, mine)))
    assert "Delete your comment?" in confirm and "<p>Max's comment.</p>" in confirm
    assert not Comment.objects.get(pk=mine.pk).is_deleted  # asking is not doing
    assert client.post(url("comment_delete", group, mine)).status_code == 302
    assert Comment.objects.get(pk=mine.pk).is_deleted

    # Only the author opens the edit form; only a facilitator the one to hide.
    fay = logged_in(fay_membership.user)
    assert fay.get(url("answer_edit", group, maxs)).status_code == 403
    assert client.get(url("answer_moderate", group, maxs)).status_code == 403
    hide = page(fay.get(url("answer_moderate", group, maxs)))
    assert "Hide this answer" in hide and "Max&#x27;s first thoughts." not in hide
    assert "<p>Max's first thoughts.</p>" in hide
