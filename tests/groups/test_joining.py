"""Joining by invite link (open or with approval), the link's life, and managing members."""

import re

import pytest
from django.urls import reverse

from studygroup.groups import services
from studygroup.groups.models import JoinRequest, Membership, StudyGroup
from tests.support import CONFIRM, PASSWORD, count_queries, logged_in, make_user, page

pytestmark = pytest.mark.django_db


def join_url(group: StudyGroup) -> str:
    return reverse("groups:join", args=[group.invite_code])


@pytest.fixture
def open_group(group) -> StudyGroup:
    group.join_policy = StudyGroup.JoinPolicy.OPEN
    group.save(update_fields=["join_policy"])
    return group


def is_member(group, user) -> bool:
    return Membership.objects.filter(group=group, user=user).exists()


def test_visitor_sees_both_ways_in(client, group):
    response = client.get(join_url(group))
    assert response.status_code == 200
    assert "Join Tuesday Readers" in page(response)
    assert "Sign up and join" in page(response)
    assert "Log in and join" in page(response)


def test_new_visitor_signs_up_and_lands_in_an_open_group(client, open_group):
    response = client.post(
        join_url(open_group),
        {
            "action": "signup",
            "signup-username": "nina",
            "signup-display_name": "Nina Newcomer",
            "signup-email": "nina@example.org",
            "signup-password1": PASSWORD,
            "signup-password2": PASSWORD,
        },
    )
    assert response.status_code == 302
    assert response.url == open_group.get_absolute_url()
    membership = Membership.objects.get(group=open_group, user__username="nina")
    assert membership.role == Membership.Role.MEMBER
    assert "Welcome to Tuesday Readers" in page(client.get(response.url))


def test_new_visitor_signs_up_and_asks_to_join(client, group):
    response = client.post(
        join_url(group),
        {
            "action": "signup",
            "signup-username": "nina",
            "signup-display_name": "Nina Newcomer",
            "signup-email": "nina@example.org",
            "signup-password1": PASSWORD,
            "signup-password2": PASSWORD,
        },
        follow=True,
    )
    assert response.redirect_chain == [(reverse("groups:dashboard"), 302)]
    html = page(response)
    assert html.count("Your request to join") == 1, "said once"
    assert "is waiting for a facilitator. You will hear when they answer." in html
    assert JoinRequest.objects.get(user__username="nina").state == JoinRequest.State.PENDING
    assert not Membership.objects.filter(user__username="nina").exists()


def test_signup_errors_stay_on_the_join_page(client, open_group):
    response = client.post(
        join_url(open_group),
        {"action": "signup", "signup-username": "nina", "signup-password1": "x"},
    )
    assert response.status_code == 200
    assert "This field is required." in page(response)
    assert not Membership.objects.filter(user__username="nina").exists()


def test_existing_user_logs_in_on_the_join_page(client, open_group, outsider):
    response = client.post(
        join_url(open_group), {"action": "login", "username": "otto", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.url == open_group.get_absolute_url()
    assert is_member(open_group, outsider)


def test_a_member_who_logs_in_on_the_join_page_is_not_welcomed_again(client, open_group, outsider):
    open_group.memberships.create(user=outsider)
    response = client.post(
        join_url(open_group),
        {"action": "login", "username": "otto", "password": PASSWORD},
        follow=True,
    )
    html = page(response)
    assert "You are already in Tuesday Readers." in html and "Welcome to" not in html


def test_wrong_password_on_the_join_page_joins_nobody(client, open_group, outsider):
    response = client.post(
        join_url(open_group), {"action": "login", "username": "otto", "password": "wrong"}
    )
    assert response.status_code == 200
    assert "Please enter a correct username and password" in page(response)
    assert not is_member(open_group, outsider)


def test_signed_in_user_joins_an_open_group_with_one_click(open_group, outsider):
    client = logged_in(outsider)
    assert "Join the group" in page(client.get(join_url(open_group)))
    response = client.post(join_url(open_group))
    assert response.url == open_group.get_absolute_url()
    assert is_member(open_group, outsider)


def test_joining_twice_is_harmless(open_group, member, membership):
    client = logged_in(member)
    assert client.get(join_url(open_group)).url == open_group.get_absolute_url()
    for _ in range(2):
        assert client.post(join_url(open_group)).status_code == 302
    assert Membership.objects.filter(group=open_group, user=member).count() == 1
    membership.refresh_from_db()
    assert membership.role == Membership.Role.MEMBER


def test_asking_twice_leaves_one_request(group, outsider):
    client = logged_in(outsider)
    for _ in range(2):
        client.post(join_url(group))
    assert JoinRequest.objects.filter(group=group, user=outsider).count() == 1


def test_approval_request_waits_and_tells_the_facilitators(
    group, outsider, mailoutbox, django_capture_on_commit_callbacks
):
    client = logged_in(outsider)
    assert "Ask to join" in page(client.get(join_url(group)))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(join_url(group))
    assert response.url == reverse("groups:dashboard")
    request = JoinRequest.objects.get(group=group, user=outsider)
    assert request.state == JoinRequest.State.PENDING
    assert not is_member(group, outsider)
    assert "is waiting for a facilitator" in page(client.get(response.url))
    [mail] = mailoutbox
    assert mail.to == ["fay@example.org"]
    assert mail.subject == "[Tuesday Readers] Otto Outsider asks to join"


def test_facilitator_approves(
    group, facilitator, join_request, requester, mailoutbox, django_capture_on_commit_callbacks
):
    client = logged_in(facilitator)
    members_page = page(client.get(reverse("groups:members", args=[group.slug])))
    assert "Rita Requester" in members_page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("groups:request_decide", args=[group.slug, join_request.pk]),
            {"decision": "approve"},
        )
    assert response.url == reverse("groups:members", args=[group.slug])
    assert "Rita Requester joined the group." in page(client.get(response.url))
    assert is_member(group, requester)
    join_request.refresh_from_db()
    assert join_request.state == JoinRequest.State.APPROVED
    assert join_request.decided_by == facilitator
    [mail] = mailoutbox
    assert mail.to == ["rita@example.org"]
    assert mail.subject == "[Tuesday Readers] Your request to join was approved: welcome"
    assert "was approved" in mail.body
    # The new member is in: the group opens for them.
    assert logged_in(requester).get(group.get_absolute_url()).status_code == 200


def test_facilitator_declines(
    group, facilitator, join_request, requester, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        logged_in(facilitator).post(
            reverse("groups:request_decide", args=[group.slug, join_request.pk]),
            {"decision": "decline"},
        )
    assert not is_member(group, requester)
    [mail] = mailoutbox
    assert mail.to == ["rita@example.org"]
    assert "declined your request" in mail.body
    assert "was declined" in page(logged_in(requester).get(reverse("groups:dashboard")))
    assert logged_in(requester).get(group.get_absolute_url()).status_code == 404


def test_a_request_is_answered_once(group, facilitator, join_request, requester):
    client = logged_in(facilitator)
    url = reverse("groups:request_decide", args=[group.slug, join_request.pk])
    client.post(url, {"decision": "decline"})
    response = client.post(url, {"decision": "approve"}, follow=True)
    assert "That request has already been answered." in page(response)
    assert not is_member(group, requester)


def test_approval_email_links_to_the_group(
    group, facilitator, join_request, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        logged_in(facilitator).post(
            reverse("groups:request_decide", args=[group.slug, join_request.pk]),
            {"decision": "approve"},
        )
    assert re.search(rf"https?://\S+{group.get_absolute_url()}", mailoutbox[0].body)


def test_rotated_invite_kills_the_old_link(client, group, facilitator):
    old = join_url(group)
    response = logged_in(facilitator).post(
        reverse("groups:invite_rotate", args=[group.slug]), CONFIRM
    )
    assert response.url == reverse("groups:invite", args=[group.slug])
    group.refresh_from_db()
    gone = client.get(old)
    assert gone.status_code == 404
    assert "This invite link is not valid" in page(gone)
    assert client.get(join_url(group)).status_code == 200


def test_invite_turned_off(client, group, facilitator):
    logged_in(facilitator).post(
        reverse("groups:invite", args=[group.slug]), {"join_policy": "approval"}
    )
    group.refresh_from_db()
    assert not group.invite_enabled
    response = client.get(join_url(group))
    assert response.status_code == 404
    assert "This invite link is not valid" in page(response)


def test_made_up_code(client, group):
    response = client.get(reverse("groups:join", args=["made-up-code"]))
    assert response.status_code == 404
    assert "This invite link is not valid" in page(response)


def test_member_leaves(group, member, membership):
    response = logged_in(member).post(
        reverse("groups:leave", args=[group.slug]), CONFIRM, follow=True
    )
    assert "You have left Tuesday Readers." in page(response)
    assert not is_member(group, member)


def set_role(client, group, membership, role: str):
    return client.post(
        reverse("groups:member_role", args=[group.slug, membership.pk]), {"role": role}, follow=True
    )


def test_facilitator_promotes_and_demotes(group, facilitator, membership):
    client = logged_in(facilitator)
    assert "Max Member is now a facilitator." in page(
        set_role(client, group, membership, "facilitator")
    )
    membership.refresh_from_db()
    assert membership.is_facilitator
    assert "Max Member is now a member." in page(set_role(client, group, membership, "member"))
    membership.refresh_from_db()
    assert not membership.is_facilitator


def test_removed_member_is_shut_out(group, facilitator, member, membership):
    response = logged_in(facilitator).post(
        reverse("groups:member_remove", args=[group.slug, membership.pk]), CONFIRM, follow=True
    )
    assert "Max Member is no longer in the group." in page(response)
    assert not is_member(group, member)
    assert logged_in(member).get(group.get_absolute_url()).status_code == 404


def test_another_groups_member_cannot_be_touched(group, facilitator, group_b, outsider):
    theirs = Membership.objects.get(group=group_b, user=outsider)
    response = logged_in(facilitator).post(
        reverse("groups:member_remove", args=[group.slug, theirs.pk])
    )
    assert response.status_code == 404
    assert Membership.objects.filter(pk=theirs.pk).exists()


LAST_FACILITATOR = "A group needs a facilitator: make another member a facilitator first."


@pytest.mark.parametrize(
    ("url_name", "data"),
    [
        ("groups:leave", CONFIRM),
        ("groups:member_role", {"role": "member"}),
        ("groups:member_remove", CONFIRM),
    ],
    ids=["leave", "demote", "remove"],
)
def test_the_last_facilitator_stays(group, facilitator, membership, url_name, data):
    own = Membership.objects.get(group=group, user=facilitator)
    args = [group.slug] if url_name == "groups:leave" else [group.slug, own.pk]
    response = logged_in(facilitator).post(reverse(url_name, args=args), data, follow=True)
    assert LAST_FACILITATOR in page(response)
    own.refresh_from_db()
    assert own.is_facilitator
    assert group.memberships.count() == 2


def test_a_facilitator_leaves_once_another_is_named(group, facilitator, membership):
    client = logged_in(facilitator)
    set_role(client, group, membership, "facilitator")
    client.post(reverse("groups:leave", args=[group.slug]), CONFIRM)
    assert not is_member(group, facilitator)
    assert list(group.memberships.facilitators()) == [membership]


def test_join_page_log_in_is_throttled_too(client, open_group, outsider, settings):
    url = join_url(open_group)
    for _ in range(settings.RATE_LIMITS["login_account"][0]):
        client.post(url, {"action": "login", "username": "otto", "password": "wrong"})
    response = client.post(url, {"action": "login", "username": "otto", "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed log-ins." in page(response)
    assert not is_member(open_group, outsider)


def test_no_email_for_those_who_switched_it_off(
    group, facilitator, join_request, requester, mailoutbox, django_capture_on_commit_callbacks
):
    requester.email_choice = "none"
    requester.save(update_fields=["email_choice"])
    with django_capture_on_commit_callbacks(execute=True):
        logged_in(facilitator).post(
            reverse("groups:request_decide", args=[group.slug, join_request.pk]),
            {"decision": "approve"},
        )
    assert is_member(group, requester)
    assert mailoutbox == []


def test_members_page_queries_do_not_grow(
    group, facilitator, membership, join_request, django_assert_num_queries
):
    client = logged_in(facilitator)
    url = reverse("groups:members", args=[group.slug])
    small = count_queries(client, url)
    for i in range(15):
        Membership.objects.create(group=group, user=make_user(f"m{i}", f"Member {i}"))
        services.group_join(user=make_user(f"r{i}", f"Asker {i}"), code=group.invite_code)
    with django_assert_num_queries(small):
        html = page(client.get(url))
    assert "17 members" in html
    assert "Asker 14" in html
