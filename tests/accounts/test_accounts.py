"""Signing up, logging in and out, resetting a password, the profile."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from tests.support import PASSWORD

pytestmark = pytest.mark.django_db

User = get_user_model()
SIGNUP = reverse("accounts:signup")
LOGIN = reverse("accounts:login")
DASHBOARD = reverse("groups:dashboard")
RESET = reverse("accounts:password_reset")


def page(response) -> str:
    return response.content.decode()


def main(response) -> str:
    """The page's own content, without the per-request CSRF tokens of its header."""
    return re.search(r"<main.*</main>", page(response), re.S)[0]


def signup_data(**changes) -> dict[str, str]:
    return {
        "username": "nina",
        "display_name": "Nina Newcomer",
        "email": "nina@example.org",
        "password1": PASSWORD,
        "password2": PASSWORD,
        **changes,
    }


def test_signup_logs_in(client):
    response = client.post(SIGNUP, signup_data(), follow=True)
    assert response.redirect_chain == [(DASHBOARD, 302)]
    assert "Welcome, Nina Newcomer." in page(response)
    user = User.objects.get(username="nina")
    assert (user.display_name, user.email, user.email_choice) == (
        "Nina Newcomer",
        "nina@example.org",
        "each",
    )
    assert user.calendar_token


@pytest.mark.parametrize(
    ("next_url", "lands"),
    [("/texts/anything/", "/texts/anything/"), ("https://evil.example/", DASHBOARD)],
    ids=["same-site", "elsewhere"],
)
def test_signup_goes_on_to_a_safe_next(client, next_url, lands):
    assert client.post(SIGNUP, signup_data(next=next_url)).url == lands


def test_signed_in_user_skips_signup(client, member):
    client.force_login(member)
    assert client.get(SIGNUP).url == DASHBOARD


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"password1": "password123", "password2": "password123"}, "This password is too common."),
        ({"password1": "Zq9!", "password2": "Zq9!"}, "This password is too short."),
        ({"password2": "something-else-entirely"}, "The two password fields didn"),
        ({"email": ""}, "This field is required."),
        ({"display_name": ""}, "This field is required."),
    ],
    ids=["common", "short", "mismatch", "no-email", "no-name"],
)
def test_signup_refuses_bad_input(client, changes, message):
    response = client.post(SIGNUP, signup_data(**changes))
    assert response.status_code == 200
    assert message in page(response)
    assert not User.objects.filter(username="nina").exists()


def test_signup_refuses_a_taken_username(client, member):
    response = client.post(SIGNUP, signup_data(username="max"))
    assert "A user with that username already exists." in page(response)


def test_login_and_logout(client, member):
    response = client.post(LOGIN, {"username": "max", "password": PASSWORD})
    assert response.url == DASHBOARD
    assert "Max Member" in page(client.get(DASHBOARD))

    assert client.get(reverse("accounts:logout")).url == DASHBOARD  # a GET logs nobody out
    assert client.get(DASHBOARD).status_code == 200  # still logged in
    response = client.post(reverse("accounts:logout"))
    assert response.url == reverse("content:home")
    assert client.get(DASHBOARD).url.startswith(LOGIN)


def test_login_with_a_wrong_password(client, member):
    response = client.post(LOGIN, {"username": "max", "password": "wrong"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in page(response)
    assert client.get(DASHBOARD).status_code == 302


def test_password_reset_sends_a_link_that_sets_a_new_password(client, member, mailoutbox):
    response = client.post(RESET, {"email": "max@example.org"}, follow=True)
    assert "Check your e-mail" in page(response)
    [mail] = mailoutbox
    assert mail.to == ["max@example.org"]
    assert mail.subject == "Reset your studygroup password"

    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", mail.body)[1]
    form = client.get(link, follow=True)
    assert "Choose a new password" in page(form)
    new_password = "another-long-study-passphrase"
    response = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": new_password, "new_password2": new_password},
        follow=True,
    )
    assert "Your new password is set." in page(response)
    assert client.login(username="max", password=new_password)
    assert not client.login(username="max", password=PASSWORD)
    # The link works once.
    assert "This link has been used already" in page(client.get(link, follow=True))


def test_password_reset_tells_nothing_about_unknown_addresses(client, member, mailoutbox):
    known = client.post(RESET, {"email": "max@example.org"}, follow=True)
    unknown = client.post(RESET, {"email": "nobody@example.org"}, follow=True)
    assert len(mailoutbox) == 1
    assert unknown.redirect_chain == known.redirect_chain
    assert main(unknown) == main(known)


def test_profile_edits_name_and_the_email_choice(client, member):
    client.force_login(member)
    url = reverse("accounts:profile")
    html = page(client.get(url))
    assert re.search(r'type="radio" name="email_choice" value="each"[^>]* checked>', html)
    assert "A daily digest" in html and "None: I will look in the app" in html
    response = client.post(
        url,
        {"display_name": "Maxine", "email": "maxine@example.org", "email_choice": "daily"},
        follow=True,
    )
    assert "Your profile is saved." in page(response)
    assert "Maxine" in page(response)
    member.refresh_from_db()
    assert (member.display_name, member.email, member.email_choice) == (
        "Maxine",
        "maxine@example.org",
        "daily",
    )
    response = client.post(
        url, {"display_name": "Maxine", "email": "maxine@example.org", "email_choice": "weekly"}
    )
    assert "Select a valid choice." in page(response)
    member.refresh_from_db()
    assert member.email_choice == "daily"


def test_profile_needs_an_email(client, member):
    client.force_login(member)
    response = client.post(reverse("accounts:profile"), {"display_name": "Maxine", "email": ""})
    assert "This field is required." in page(response)
    member.refresh_from_db()
    assert member.email == "max@example.org"
