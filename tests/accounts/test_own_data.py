"""A member's own data: download everything they wrote; delete the account, threads intact."""

import json

import pytest
from django.urls import reverse

from content.models import Question
from studygroup.accounts.models import User
from studygroup.discussion import services as discussion
from studygroup.discussion.models import Answer, Comment
from studygroup.groups import services as groups
from studygroup.groups.models import Membership, StudyGroup
from tests.support import PASSWORD, logged_in, page

pytestmark = pytest.mark.django_db


@pytest.fixture
def thread(group, membership, member, facilitator):
    """The member answers; the facilitator comments; the member replies to that."""
    question = Question.objects.of_text(group.text).first()
    answer = discussion.answer_post(membership=membership, question=question, body="My *view*.")
    fac = Membership.objects.get(group=group, user=facilitator)
    comment = discussion.comment_post(membership=fac, answer=answer, body="Why so?")
    reply = discussion.comment_post(
        membership=membership, answer=answer, parent=comment, body="Because of 1927."
    )
    return question, answer, comment, reply


def test_member_downloads_everything_they_wrote_as_json(thread, member):
    response = logged_in(member).get(reverse("owndata:export"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="studygroup-max-')
    data = json.loads(response.content)
    assert data["account"]["username"] == "max"
    assert [a["body"] for a in data["answers"]] == ["My *view*."]
    assert [c["body"] for c in data["comments"]] == ["Because of 1927."]  # theirs only
    assert data["groups"][0]["group"] == "Tuesday Readers"


def test_and_as_markdown(thread, member):
    response = logged_in(member).get(reverse("owndata:export") + "?format=md")
    text = response.content.decode()
    assert response["Content-Type"].startswith("text/markdown")
    assert "My *view*." in text and "Because of 1927." in text
    assert "Why so?" not in text


def test_deleting_the_account_keeps_the_threads_shape(thread, group, member, facilitator):
    question, answer, comment, reply = thread
    client = logged_in(member)
    response = client.post(reverse("owndata:delete"), {"password": PASSWORD})
    assert response.status_code == 302
    assert not User.objects.filter(username="max").exists()
    answer.refresh_from_db()
    reply.refresh_from_db()
    assert answer.author is None and answer.body == "My *view*."
    assert reply.parent_id == comment.pk  # still in its place
    html = page(
        logged_in(facilitator).get(reverse("discussion:question", args=[group.slug, question.pk]))
    )
    assert "A former member" in html and "Max Member" not in html
    assert "Why so?" in html and "Because of 1927." in html


def test_deleting_can_erase_the_text_too(thread, member):
    logged_in(member).post(reverse("owndata:delete"), {"password": PASSWORD, "erase_posts": "on"})
    assert not Answer.objects.exclude(body="").filter(author=None).exists()
    assert Comment.objects.filter(body="Because of 1927.").count() == 0
    assert Comment.objects.filter(body="Why so?").count() == 1  # others' posts stay


def test_wrong_password_deletes_nothing(member):
    response = logged_in(member).post(reverse("owndata:delete"), {"password": "guess"})
    assert "That is not your password." in page(response)
    assert User.objects.filter(username="max").exists()


def test_the_last_facilitator_of_a_group_with_members_must_hand_over_first(
    group, membership, facilitator
):
    response = logged_in(facilitator).post(reverse("owndata:delete"), {"password": PASSWORD})
    assert "Make another member a facilitator of Tuesday Readers first." in page(response)
    assert User.objects.filter(username="fay").exists()


def test_a_group_of_one_goes_with_its_only_member(outsider, shipped_text):
    solo = groups.group_create(user=outsider, text=shipped_text, name="Just me")
    logged_in(outsider).post(reverse("owndata:delete"), {"password": PASSWORD})
    assert not StudyGroup.objects.filter(pk=solo.pk).exists()
