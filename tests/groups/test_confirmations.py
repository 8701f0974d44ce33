"""Every action that cannot be undone asks first: a dialog with JavaScript (the form's
``data-confirm``), a page of its own without; the first click changes nothing."""

import re

import pytest
from django.urls import reverse

from studygroup.groups.models import Meeting, Membership, StudyGroup
from tests.support import CONFIRM, logged_in, page

pytestmark = pytest.mark.django_db


def actions(group, facilitator, member, membership, meeting):
    """(who, the page with the form, the action, what it asks, whether it is still undone)"""
    invite_code = group.invite_code
    token = member.calendar_token
    return [
        (
            facilitator,
            meeting.get_absolute_url(),
            reverse("groups:meeting_delete", args=[group.slug, meeting.pk]),
            "Cancel this meeting?",
            lambda: Meeting.objects.scheduled().filter(pk=meeting.pk).exists(),
        ),
        (
            member,
            reverse("groups:members", args=[group.slug]),
            reverse("groups:leave", args=[group.slug]),
            "Leave Tuesday Readers?",
            lambda: Membership.objects.filter(pk=membership.pk).exists(),
        ),
        (
            facilitator,
            reverse("groups:members", args=[group.slug]),
            reverse("groups:member_remove", args=[group.slug, membership.pk]),
            "Remove Max Member from Tuesday Readers?",
            lambda: Membership.objects.filter(pk=membership.pk).exists(),
        ),
        (
            facilitator,
            reverse("groups:invite", args=[group.slug]),
            reverse("groups:invite_rotate", args=[group.slug]),
            "Make a new invite link?",
            lambda: StudyGroup.objects.get(pk=group.pk).invite_code == invite_code,
        ),
        (
            member,
            reverse("accounts:profile"),
            reverse("accounts:calendar_reset"),
            "Make a new calendar address?",
            lambda: type(member).objects.get(pk=member.pk).calendar_token == token,
        ),
    ]


@pytest.mark.parametrize("n", range(5), ids=["cancel", "leave", "remove", "invite", "calendar"])
def test_a_destructive_action_asks_first(n, group, facilitator, member, membership, meeting):
    who, form_page, action, question, undone = actions(
        group, facilitator, member, membership, meeting
    )[n]
    client = logged_in(who)
    form = re.search(rf'<form[^>]*action="{re.escape(action)}"[^>]*>', page(client.get(form_page)))
    assert form and "data-confirm=" in form[0], "with JavaScript, a dialog asks"

    asked = client.post(action)
    html = page(asked)
    assert asked.status_code == 200 and question in html
    assert undone(), "the first click changes nothing"
    assert f'action="{action}"' in html and 'name="confirmed" value="yes"' in html

    done = client.post(action, CONFIRM)
    assert done.status_code == 302 and not undone()
