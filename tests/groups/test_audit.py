"""The audit log: role changes, removals, moderation, locks and invite links, with who and when."""

import pytest
from django.urls import reverse

from content.models import Question
from studygroup.discussion import services as discussion
from studygroup.groups.models import AuditEvent, Membership
from tests.support import CONFIRM, logged_in, page

pytestmark = pytest.mark.django_db


def actions(group) -> list[tuple[str, str, str]]:
    return [
        (e.action, e.actor.username if e.actor else "", e.detail)
        for e in AuditEvent.objects.filter(group=group).order_by("id")
    ]


def test_changes_made_through_the_pages_are_recorded(group, membership, member, facilitator):
    client = logged_in(facilitator)
    slug = group.slug
    client.post(reverse("groups:member_role", args=[slug, membership.pk]), {"role": "facilitator"})
    client.post(reverse("groups:member_role", args=[slug, membership.pk]), {"role": "member"})
    client.post(reverse("groups:invite_rotate", args=[slug]), CONFIRM)
    client.post(
        reverse("groups:invite", args=[slug]), {"invite_enabled": "", "join_policy": "open"}
    )
    client.post(reverse("groups:member_remove", args=[slug, membership.pk]), CONFIRM)
    assert actions(group) == [
        ("role", "fay", "Max Member is now a facilitator"),
        ("role", "fay", "Max Member is now a member"),
        ("invite_rotate", "fay", "New invite link"),
        ("invite_settings", "fay", "Invite link off; Anyone with the invite link joins at once"),
        ("remove", "fay", "Max Member"),
    ]


def test_leaving_and_join_decisions_are_recorded(group, membership, member, join_request):
    facilitator = Membership.objects.facilitators().get(group=group).user
    logged_in(facilitator).post(
        reverse("groups:request_decide", args=[group.slug, join_request.pk]),
        {"decision": "decline"},
    )
    logged_in(member).post(reverse("groups:leave", args=[group.slug]), CONFIRM)
    assert [a[:2] for a in actions(group)] == [("decline", "fay"), ("leave", "max")]


def test_moderation_and_locks_are_recorded(group, membership, member, facilitator):
    question = Question.objects.of_text(group.text).first()
    answer = discussion.answer_post(membership=membership, question=question, body="Mine.")
    discussion.post_hide(post=answer, by=facilitator, reason="Off topic")
    discussion.post_unhide(post=answer, by=facilitator)
    discussion.discussion_set(group=group, question=question, locked=True, by=facilitator)
    discussion.discussion_set(group=group, question=question, locked=True, by=facilitator)
    discussion.discussion_set(group=group, question=question, locked=False, by=facilitator)
    assert actions(group) == [
        ("hide", "fay", f"Max Member's answer #{answer.pk}: Off topic"),
        ("unhide", "fay", f"Max Member's answer #{answer.pk}"),
        ("lock", "fay", question.body),
        ("unlock", "fay", question.body),
    ]


def test_facilitators_see_the_log_and_members_do_not(group, membership, member, facilitator):
    logged_in(facilitator).post(reverse("groups:invite_rotate", args=[group.slug]), CONFIRM)
    members_url = reverse("groups:members", args=[group.slug])
    assert "invite link replaced" in page(logged_in(facilitator).get(members_url))
    assert "Recent changes" not in page(logged_in(member).get(members_url))


def test_admins_read_the_log_but_cannot_edit_it(group, admin, facilitator):
    logged_in(facilitator).post(reverse("groups:invite_rotate", args=[group.slug]), CONFIRM)
    client = logged_in(admin)
    listing = client.get(reverse("admin:groups_auditevent_changelist"))
    assert "New invite link" in page(listing)
    assert client.get(reverse("admin:groups_auditevent_add")).status_code == 403


def test_meetings_settings_and_questions_are_recorded(group, facilitator, meeting):
    client = logged_in(facilitator)
    client.post(
        reverse("groups:edit", args=[group.slug]),
        {"name": "Wednesday Readers", "time_zone": "Europe/London"},
    )
    client.post(reverse("groups:questions", args=[group.slug]), {"body": "Why July?"})
    client.post(reverse("groups:meeting_delete", args=[group.slug, meeting.pk]), CONFIRM)
    assert [a[:2] for a in actions(group)] == [
        ("meeting_plan", ""),  # the fixture planned it through the service, without a person
        ("group_edit", "fay"),
        ("question_add", "fay"),
        ("meeting_cancel", "fay"),
    ]
    assert actions(group)[1][2] == "name, meeting place"


def test_the_admins_changes_go_through_the_same_rules(group, join_request, admin, facilitator):
    client = logged_in(admin)
    form = client.get(f"/admin/groups/studygroup/{group.pk}/change/")
    assert form.status_code == 200
    assert 'name="memberships-0-role"' not in page(form), "roles change on the Members page"
    response = client.post(
        f"/admin/groups/studygroup/{group.pk}/change/",
        {
            "name": "Renamed by an admin",
            "description": "",
            "meeting_place": "",
            "time_zone": "Europe/London",
            "join_policy": "open",
            "invite_enabled": "on",
            "answer_first": "on",
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "1",
            "memberships-MIN_NUM_FORMS": "0",
            "memberships-MAX_NUM_FORMS": "1000",
            "memberships-0-id": Membership.objects.get(group=group).pk,
            "memberships-0-group": group.pk,
        },
    )
    assert response.status_code == 302, page(response)
    client.post(
        "/admin/groups/joinrequest/",
        {"action": "approve", "_selected_action": [join_request.pk]},
    )
    assert Membership.objects.filter(group=group, user=join_request.user).exists()
    assert [a[:2] for a in actions(group)] == [
        ("group_edit", "ada"),
        ("invite_settings", "ada"),
        ("approve", "ada"),
    ]
    assert actions(group)[0][2] == "name, meeting place, answer before seeing the others"
    group.refresh_from_db()
    assert (group.name, group.join_policy, group.answer_first) == (
        "Renamed by an admin",
        "open",
        True,
    )
