"""A member whose session ended while they typed loses nothing: without JavaScript the text
comes back filled in after log-in; with htmx the page keeps its form and offers a log-in in
place. And a form-only URL reached by GET goes to the page with the form, never a 405."""

import re
import uuid

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from studygroup.discussion.models import Answer, Comment
from tests.support import HTMX, PASSWORD, answer, comment, url

pytestmark = pytest.mark.django_db

TYPED = "A long answer typed over half an hour, which must not be lost."


def expired(client: Client) -> None:
    """The session ends (expired, or flushed elsewhere); the CSRF cookie stays."""
    client.cookies.pop(settings.SESSION_COOKIE_NAME, None)


def log_in_again(client: Client, username: str, next_url: str):
    return client.post(
        reverse("accounts:login"), {"username": username, "password": PASSWORD, "next": next_url}
    )


def test_without_javascript_an_answer_survives_the_log_in(group, membership, member, question):
    client = Client()
    client.force_login(member)
    expired(client)
    posting = url("answer_create", group, question)
    response = client.post(posting, {"body": TYPED, "token": str(uuid.uuid4())})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not Answer.objects.exists()

    response = log_in_again(client, "max", posting)
    assert response["Location"] == posting
    page = client.get(posting, follow=True)
    assert page.status_code == 200
    html = page.content.decode()
    assert TYPED in html, "the answer form is filled in again"
    assert re.search(r'id="answer-form"', html)
    # Posted from there, once.
    token = re.search(r'name="token" value="([^"]+)"', html)[1]
    client.post(posting, {"body": TYPED, "token": token})
    assert Answer.objects.get().body == TYPED
    # The draft was taken: the next visit shows the form empty (or the answer).
    assert client.get(posting, follow=True).content.decode().count(TYPED) == 1


def test_without_javascript_a_reply_comes_back_as_a_reply(
    group, membership, mia_membership, mia, question
):
    maxs = answer(membership, question)
    first = comment(membership, maxs, "Max's own first comment.")
    client = Client()
    client.force_login(mia)
    expired(client)
    posting = url("comment_create", group, maxs)
    client.post(posting, {"body": TYPED, "parent": first.pk, "token": str(uuid.uuid4())})
    log_in_again(client, "mia", posting)
    page = client.get(posting)
    html = page.content.decode()
    assert page.status_code == 200 and TYPED in html
    assert f'name="parent" value="{first.pk}"' in html, "still a reply to the same comment"
    assert "Replying to Max Member" in html


def test_with_htmx_the_page_keeps_its_form_and_offers_a_log_in(
    group, membership, mia_membership, mia, question
):
    maxs = answer(membership, question)
    client = Client()
    client.force_login(mia)
    expired(client)
    response = client.post(
        url("comment_create", group, maxs),
        {"body": TYPED, "token": str(uuid.uuid4())},
        headers=HTMX,
    )
    assert response.status_code == 401, "htmx swaps nothing: the member's form stays"
    html = response.content.decode()
    assert "Your session has ended" in html
    assert "data-login-needed" in html and 'hx-post="/accounts/login/"' in html
    assert "<html" not in html, "a fragment, not the whole log-in page"

    # Logging in there answers 204 with the page's new CSRF token.
    response = client.post(
        reverse("accounts:login"), {"username": "mia", "password": PASSWORD}, headers=HTMX
    )
    assert response.status_code == 204
    assert '"studygroup:logged-in"' in response["HX-Trigger"] and '"csrf"' in response["HX-Trigger"]
    # "Post" again works, once.
    response = client.post(
        url("comment_create", group, maxs),
        {"body": TYPED, "token": str(uuid.uuid4())},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert Comment.objects.get().body == TYPED


def test_a_wrong_password_in_place_says_so_in_place(group, membership, mia, question):
    client = Client()
    response = client.post(
        reverse("accounts:login"), {"username": "mia", "password": "wrong"}, headers=HTMX
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "data-login-needed" in html and "correct username and password" in html


@pytest.mark.parametrize(
    "name",
    [
        "groups:invite_rotate",
        "groups:leave",
        "groups:member_role",
        "groups:member_remove",
        "groups:request_decide",
        "groups:meeting_delete",
        "groups:mark",
        "groups:attendance",
        "notifications:read",
        "notifications:watch",
        "accounts:calendar_reset",
    ],
)
def test_a_get_of_a_form_only_url_goes_to_the_page_with_the_form(
    name, group, fay_membership, facilitator, membership, meeting, question
):
    kwargs = {
        "groups:invite_rotate": {"slug": group.slug},
        "groups:leave": {"slug": group.slug},
        "groups:member_role": {"slug": group.slug, "member_id": membership.pk},
        "groups:member_remove": {"slug": group.slug, "member_id": membership.pk},
        "groups:request_decide": {"slug": group.slug, "request_id": 1},
        "groups:meeting_delete": {"slug": group.slug, "meeting_id": meeting.pk},
        "groups:mark": {"slug": group.slug, "kind": "chapter", "item_id": 1},
        "groups:attendance": {"slug": group.slug, "meeting_id": meeting.pk},
        "notifications:watch": {"slug": group.slug, "question_id": question.pk},
    }.get(name, {})
    client = Client()
    client.force_login(facilitator)
    response = client.get(reverse(name, kwargs=kwargs), follow=True)
    assert response.status_code == 200, response.redirect_chain
    assert response.redirect_chain, "sent on to a page"
    assert b"<form" in response.content
