"""The log-in throttle: failures count per account and per client address, each limited.

Addresses follow the one client-address rule (studygroup.core.ratelimit.client_address): the
connecting address, or behind our proxy the last X-Forwarded-For hop, the one it added.
"""

import re

import pytest
from django.urls import reverse

from tests.support import PASSWORD, make_user

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
DASHBOARD = reverse("groups:dashboard")
THROTTLED = re.compile(r"Too many failed log-ins\. Wait \d+ minutes?, or reset your password\.")
PROXY = "10.0.0.2"  # the load balancer, as the app sees it connect


def page(response) -> str:
    return response.content.decode()


@pytest.fixture
def attempts(settings) -> int:
    return settings.RATE_LIMITS["login_account"][0]


@pytest.fixture
def behind_proxy(settings):
    settings.PROXY_HOPS = 1


def via_proxy(client_ip: str, sent: str = "") -> dict:
    """What the app receives when ``client_ip`` comes through our proxy, which appends the
    address it saw to whatever X-Forwarded-For the client ``sent``."""
    forwarded = f"{sent}, {client_ip}" if sent else client_ip
    return {"REMOTE_ADDR": PROXY, "headers": {"X-Forwarded-For": forwarded}}


def log_in(client, username: str, password: str = "wrong", **where):
    return client.post(LOGIN, {"username": username, "password": password}, **where)


def fail_logins(client, username: str, times: int, **where) -> None:
    for _ in range(times):
        assert log_in(client, username, **where).status_code == 200


def assert_throttled(response) -> None:
    assert response.status_code == 429
    assert THROTTLED.search(page(response))
    assert 0 < int(response["Retry-After"]) <= 15 * 60


def test_repeated_failures_throttle_even_the_right_password(client, member, attempts):
    fail_logins(client, "max", attempts)
    assert_throttled(log_in(client, "max", PASSWORD))
    assert client.get(DASHBOARD).status_code == 302  # not logged in


def test_throttle_follows_the_setting(client, member, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login_account": (2, 15 * 60)}
    fail_logins(client, "max", 2)
    assert log_in(client, "max", PASSWORD).status_code == 429


def test_throttle_reads_the_same_for_unknown_names(client, member, attempts):
    fail_logins(client, "nobody", attempts)
    fail_logins(client, "max", attempts, REMOTE_ADDR="192.0.2.9")
    unknown = log_in(client, "nobody")
    known = log_in(client, "max", REMOTE_ADDR="192.0.2.9")
    assert_throttled(unknown)
    assert_throttled(known)
    assert THROTTLED.search(page(unknown))[0] == THROTTLED.search(page(known))[0]


def test_fewer_failures_do_not_throttle(client, member, attempts):
    fail_logins(client, "max", attempts - 1)
    assert log_in(client, "max", PASSWORD).url == DASHBOARD


def test_the_account_counts_in_any_case(client, member, attempts):
    for n in range(attempts):
        log_in(client, ["max", "MAX", "Max"][n % 3], REMOTE_ADDR=f"192.0.2.{n + 1}")
    assert_throttled(log_in(client, "max", PASSWORD, REMOTE_ADDR="198.51.100.1"))


def test_an_account_is_throttled_whatever_the_address(client, member, attempts, behind_proxy):
    # Someone guessing from many addresses still gets only so many guesses at one account.
    for n in range(attempts):
        assert log_in(client, "max", **via_proxy(f"203.0.113.{n + 1}")).status_code == 200
    assert_throttled(log_in(client, "max", PASSWORD, **via_proxy("198.51.100.1")))


def test_an_address_is_throttled_whatever_the_accounts(client, member, settings, behind_proxy):
    per_address = settings.RATE_LIMITS["login_address"][0]
    # Fewer tries at each account than would lock it, but more than one address may make.
    names = [f"name{n}" for n in range(per_address)]
    for name in names:
        assert log_in(client, name, **via_proxy("203.0.113.66")).status_code == 200
    assert_throttled(log_in(client, "max", PASSWORD, **via_proxy("203.0.113.66")))
    # Refused tries are not counted against the account: from elsewhere, max logs in.
    for _ in range(settings.RATE_LIMITS["login_account"][0]):
        assert log_in(client, "max", **via_proxy("203.0.113.66")).status_code == 429
    assert log_in(client, "max", PASSWORD, **via_proxy("198.51.100.1")).url == DASHBOARD


def test_behind_the_proxy_one_clients_failures_do_not_lock_out_the_others(
    client, member, settings, behind_proxy
):
    # The bug this rule fixes: behind a load balancer every request came from its address,
    # so anyone's wrong passwords locked everyone out.
    per_address = settings.RATE_LIMITS["login_address"][0]
    for n in range(per_address):
        log_in(client, f"name{n}", **via_proxy("203.0.113.66"))
    assert log_in(client, "name0", **via_proxy("203.0.113.66")).status_code == 429
    response = log_in(client, "max", PASSWORD, **via_proxy("198.51.100.1"))
    assert response.url == DASHBOARD


def test_behind_the_proxy_a_forged_first_hop_changes_nothing(
    client, member, settings, behind_proxy
):
    # The client writes a new X-Forwarded-For each time; the proxy appends its real address.
    per_address = settings.RATE_LIMITS["login_address"][0]
    for n in range(per_address):
        log_in(client, f"name{n}", **via_proxy("203.0.113.66", sent=f"192.0.2.{n}"))
    response = log_in(client, "max", PASSWORD, **via_proxy("203.0.113.66", sent="192.0.2.200"))
    assert_throttled(response)


def test_not_behind_a_proxy_the_header_is_ignored(client, member, settings):
    per_address = settings.RATE_LIMITS["login_address"][0]
    for n in range(per_address):
        log_in(client, f"name{n}", headers={"X-Forwarded-For": f"192.0.2.{n}"})
    response = log_in(client, "max", PASSWORD, headers={"X-Forwarded-For": "198.51.100.1"})
    assert_throttled(response)


def test_successes_do_not_count(client, member, settings):
    # A class logging in from one school address: each right password is taken back.
    per_address = settings.RATE_LIMITS["login_address"][0]
    for n in range(per_address + 5):
        make_user(f"pupil{n}", f"Pupil {n}")
        assert log_in(client, f"pupil{n}", PASSWORD).url == DASHBOARD
        client.logout()
    fail_logins(client, "max", settings.RATE_LIMITS["login_account"][0] - 1)
    assert log_in(client, "max", PASSWORD).url == DASHBOARD


def test_a_password_reset_lifts_the_accounts_throttle(client, member, attempts, mailoutbox):
    fail_logins(client, "max", attempts)
    assert log_in(client, "max", PASSWORD).status_code == 429
    client.post(reverse("accounts:password_reset"), {"email": member.email})
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", mailoutbox[0].body)[1]
    form = client.get(link, follow=True)
    new_password = "another-long-study-passphrase"
    client.post(
        form.redirect_chain[-1][0], {"new_password1": new_password, "new_password2": new_password}
    )
    assert log_in(client, "max", new_password).url == DASHBOARD


def test_the_admin_log_in_is_throttled_too(client, admin, attempts):
    url = reverse("admin:login")
    for _ in range(attempts):
        client.post(url, {"username": "ada", "password": "wrong"})
    response = client.post(url, {"username": "ada", "password": PASSWORD})
    assert THROTTLED.search(page(response))
    assert client.get(reverse("admin:index")).status_code == 302  # not logged in


def test_missing_fields_are_not_counted(client, member, attempts):
    for _ in range(attempts + 1):
        client.post(LOGIN, {"username": "max", "password": ""})
    assert log_in(client, "max", PASSWORD).url == DASHBOARD
