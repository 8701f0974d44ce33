"""Answer first: with the rule on, a member sees how many have answered but not a word of it
until they post their own, on the page, in fragments and in notifications. Facilitators and
admins always see all, and each question can turn the rule on or off for itself."""

import pytest
from django.urls import reverse

from studygroup.discussion import services
from studygroup.notifications.models import Notification
from tests.support import HTMX, answer, comment, logged_in, page, question_url, url

pytestmark = pytest.mark.django_db

MIAS = "Mia thinks the soviets were outmanoeuvred"
FAYS = "Fay points to the July Days"
ON_MIAS = "Fay asks Mia about Kornilov"
SECRETS = [MIAS, FAYS, ON_MIAS]


@pytest.fixture
def others_answered(group, membership, mia_membership, fay_membership, question):
    """Mia and the facilitator have answered, Fay has commented on Mia's; Max has not."""
    mias = answer(mia_membership, question, f"{MIAS}, says @max.")
    fays = answer(fay_membership, question, FAYS)
    return {"mias": mias, "fays": fays, "on_mias": comment(fay_membership, mias, ON_MIAS)}


def shows_nothing_of_theirs(html: str) -> bool:
    return not any(secret in html for secret in SECRETS)


def test_a_member_who_has_not_answered_sees_only_the_count(
    answer_first, others_answered, member, question
):
    html = page(logged_in(member).get(question_url(answer_first, question)))
    assert "Answer first: 2 members have answered." in html
    assert 'id="answer-form"' in html
    assert shows_nothing_of_theirs(html)
    assert "Comment on this answer" not in html


def test_no_one_answered_yet(answer_first, membership, member, question):
    html = page(logged_in(member).get(question_url(answer_first, question)))
    assert "Answer first: no one else has answered yet." in html


def test_after_answering_the_member_sees_all(answer_first, others_answered, member, question):
    client = logged_in(member)
    response = client.post(
        url("answer_create", answer_first, question), {"body": "Mine at last."}, headers=HTMX
    )
    fragment = page(response)
    assert all(secret in fragment for secret in SECRETS), "the fragment shows them at once"
    assert "<html" not in fragment
    html = page(client.get(question_url(answer_first, question)))
    assert all(secret in html for secret in SECRETS)
    assert "Answer first" not in html


def test_a_deleted_answer_hides_the_others_again(
    answer_first, membership, others_answered, member, question
):
    mine = answer(membership, question, "Mine.")
    services.post_delete(post=mine, user=member)
    html = page(logged_in(member).get(question_url(answer_first, question)))
    assert "Answer first: 2 members have answered." in html
    assert shows_nothing_of_theirs(html)


def test_facilitators_always_see_all(answer_first, others_answered, mia, facilitator, question):
    html = page(logged_in(facilitator).get(question_url(answer_first, question)))
    assert all(secret in html for secret in SECRETS)
    assert "Answer first" not in html


def test_facilitators_see_all_before_answering(
    answer_first, mia_membership, fay_membership, facilitator, questions
):
    answer(mia_membership, questions[1], MIAS)
    html = page(logged_in(facilitator).get(question_url(answer_first, questions[1])))
    assert MIAS in html
    assert "Answer first" not in html


@pytest.mark.parametrize(
    ("name", "post"),
    [
        ("answer_edit", "mias"),
        ("answer_delete", "mias"),
        ("comment_create", "mias"),
        ("comment_edit", "on_mias"),
        ("comment_delete", "on_mias"),
    ],
)
@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_the_answers_they_cannot_see_are_not_found(
    answer_first, others_answered, member, name, post, htmx
):
    response = logged_in(member).post(
        url(name, answer_first, others_answered[post]),
        {"body": "Let me in."},
        headers=HTMX if htmx else {},
    )
    assert response.status_code == 404
    assert shows_nothing_of_theirs(page(response))


def test_they_cannot_comment_through_the_services_either(answer_first, membership, others_answered):
    with pytest.raises(services.DiscussionError, match="Post your own answer first"):
        comment(membership, others_answered["mias"], "Let me in.")


def test_notifications_never_carry_the_text(answer_first, others_answered, member):
    """Mia mentioned Max in the answer he may not read yet: he hears of it, not what it says."""
    [mention] = Notification.objects.filter(recipient=member)
    assert mention.kind == Notification.Kind.MENTION
    assert MIAS not in mention.text
    html = page(logged_in(member).get(reverse("notifications:inbox")))
    assert "Mia Member mentioned you in an answer" in html
    assert shows_nothing_of_theirs(html)


def test_the_admin_sees_everything(answer_first, others_answered, admin):
    mias = others_answered["mias"]
    html = page(logged_in(admin).get(f"/admin/discussion/answer/{mias.pk}/change/"))
    assert MIAS in html


@pytest.mark.parametrize(
    ("group_rule", "question_rule", "sees"),
    [(True, "off", True), (False, "on", False), (True, "", False), (False, "", True)],
    ids=["group-on-question-off", "group-off-question-on", "group-on", "group-off"],
)
def test_a_questions_own_rule_beats_the_groups(
    group, others_answered, facilitator, member, question, group_rule, question_rule, sees
):
    group.answer_first = group_rule
    group.save(update_fields=["answer_first"])
    response = logged_in(facilitator).post(
        url("question_settings", group, question), {"answer_first": question_rule}
    )
    assert response.url == question_url(group, question)
    client = logged_in(member)
    html = page(client.get(question_url(group, question)))
    assert (MIAS in html) is sees
    assert ("Answer first" in html) is not sees
    reply = client.post(url("comment_create", group, others_answered["mias"]), {"body": "Hm."})
    assert reply.status_code == (302 if sees else 404)


def test_a_locked_question_is_open_to_every_member(
    answer_first, others_answered, facilitator, member, question
):
    # Nobody can answer a locked question any more: answer-first would shut Max out of it.
    services.discussion_set(group=answer_first, question=question, locked=True, by=facilitator)
    html = page(logged_in(member).get(question_url(answer_first, question)))
    assert all(secret in html for secret in SECRETS)
    assert "Every member can read its discussion." in html
    assert "Answer first" not in html and 'id="answer-form"' not in html
