"""Rate limits: clear 429 pages for sign-ups, password resets, invite guessing and posting."""

import pytest
from django.urls import reverse

from content.models import Question
from studygroup.discussion.models import Answer
from studygroup.groups import services as group_services

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _limits_on(settings):
    settings.RATE_LIMITS_ENABLED = True
    settings.RATE_LIMITS = {
        "signup": (3, 3600),
        "password_reset": (2, 3600),
        "invite": (3, 600),
        "post": (4, 300),
    }


def signup_data(n: int) -> dict:
    return {
        "username": f"new{n}",
        "display_name": f"New {n}",
        "email": f"new{n}@example.org",
        "password1": "a-long-passphrase-9",
        "password2": "a-long-passphrase-9",
    }


def test_signups_from_one_address_are_limited(client):
    for n in range(3):
        client.post(reverse("accounts:signup"), signup_data(n))
        client.logout()
    response = client.post(reverse("accounts:signup"), signup_data(9))
    assert response.status_code == 429
    assert "Too many tries" in response.content.decode()
    assert int(response["Retry-After"]) > 0


def test_password_resets_are_limited(client, member, mailoutbox):
    for _ in range(2):
        client.post(reverse("accounts:password_reset"), {"email": member.email})
    response = client.post(reverse("accounts:password_reset"), {"email": member.email})
    assert response.status_code == 429
    assert len(mailoutbox) == 2


def test_guessing_invite_codes_is_limited(client, shipped_text, facilitator):
    group = group_services.group_create(user=facilitator, text=shipped_text, name="Readers")
    for n in range(3):
        assert client.get(reverse("groups:join", args=[f"guess{n}"])).status_code == 404
    # Past the limit even the right code waits: a guesser learns nothing more.
    response = client.get(group.invite_path())
    assert response.status_code == 429
    assert "Too many tries" in response.content.decode()


def test_a_right_code_opened_often_is_not_limited(client, shipped_text, facilitator):
    group = group_services.group_create(user=facilitator, text=shipped_text, name="Readers")
    for _ in range(10):
        assert client.get(group.invite_path()).status_code == 200


def test_posting_is_limited_per_member(client, shipped_text, facilitator):
    group = group_services.group_create(user=facilitator, text=shipped_text, name="Readers")
    client.force_login(facilitator)
    questions = list(Question.objects.of_text(shipped_text))
    for question in questions[:4]:
        url = reverse("discussion:answer_create", args=[group.slug, question.pk])
        assert client.post(url, {"body": "An answer."}).status_code == 302
    url = reverse("discussion:answer_create", args=[group.slug, questions[4].pk])
    response = client.post(url, {"body": "One too many."}, headers={"HX-Request": "true"})
    assert response.status_code == 429
    assert Answer.objects.filter(group=group).count() == 4
