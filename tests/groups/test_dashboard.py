"""The dashboard (my groups, what is next, who waits to join), the group page, and demo data."""

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from studygroup.discussion.models import Answer, Comment
from studygroup.groups import services
from studygroup.groups.models import JoinRequest, Meeting, Membership, ReadingMark, StudyGroup
from studygroup.notifications.models import Notification
from tests.support import (
    chapter,
    count_queries,
    forget_kept,
    logged_in,
    make_user,
    page,
    plan_meeting,
)

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("groups:dashboard")


def past_meeting(group, chapter_number: int) -> Meeting:
    starts = timezone.now() - timedelta(days=2)
    meeting = Meeting.objects.create(
        group=group, starts_at=starts, ends_at=starts + timedelta(minutes=90)
    )
    meeting.chapters.add(chapter(group, chapter_number))
    return meeting


def test_dashboard_shows_each_groups_next_meeting(group, member, membership, meeting, group_b):
    Membership.objects.create(group=group_b, user=member)
    plan_meeting(group, days=14, chapters=[21])  # later: not "up next"
    past_meeting(group, 17)
    html = page(logged_in(member).get(DASHBOARD))
    assert "Tuesday Readers" in html and "Group B" in html
    assert html.count("Up next:") == 2
    assert "15. Tragedy in China" in html
    assert "16. The Defeat of the Joint Left Opposition" in html
    assert "20. Rivers of Blood" in html  # group B's
    assert "<cite>Ideals of October</cite>" in html
    assert "<cite>Rise and Fall of the Communist International</cite>" in html
    assert "21. Conclusion" not in html
    assert "17. Proletarian Bonapartism" not in html
    assert "Waiting to join" not in html


def test_dashboard_without_a_meeting_or_a_group(group, facilitator, outsider):
    assert "No meeting planned yet." in page(logged_in(facilitator).get(DASHBOARD))
    assert "You are not in a group yet." in page(logged_in(outsider).get(DASHBOARD))


def test_facilitator_decides_join_requests_on_the_dashboard(
    group, facilitator, join_request, requester
):
    client = logged_in(facilitator)
    html = page(client.get(DASHBOARD))
    assert "Waiting to join" in html
    assert "Rita Requester</bdi></strong> asks to join" in html
    assert reverse("groups:request_decide", args=[group.slug, join_request.pk]) in html
    assert 'value="approve"' in html and 'value="decline"' in html

    response = client.post(
        reverse("groups:request_decide", args=[group.slug, join_request.pk]),
        {"decision": "approve", "next": DASHBOARD},
        follow=True,
    )
    assert response.redirect_chain == [(DASHBOARD, 302)]
    assert "Rita Requester joined the group." in page(response)
    assert "Waiting to join" not in page(response)
    assert Membership.objects.filter(group=group, user=requester).exists()


def test_requester_sees_their_request_waiting(group, join_request, requester, member, membership):
    html = page(logged_in(requester).get(DASHBOARD))
    assert "Your request to join <strong>Tuesday Readers</strong> is waiting" in html
    # A plain member of the group is not asked to decide.
    assert "Rita Requester" not in page(logged_in(member).get(DASHBOARD))


@pytest.mark.parametrize(("days", "shown"), [(29, True), (31, False)])
def test_a_declined_request_is_told_for_thirty_days(group, join_request, requester, days, shown):
    JoinRequest.objects.filter(pk=join_request.pk).update(
        state=JoinRequest.State.DECLINED, created=timezone.now() - timedelta(days=days)
    )
    html = page(logged_in(requester).get(DASHBOARD))
    assert ("Your request to join <strong>Tuesday Readers</strong> was declined" in html) is shown


def test_start_a_group(facilitator, shipped_text):
    client = logged_in(facilitator)
    assert reverse("groups:create") in page(client.get(DASHBOARD))
    response = client.post(
        reverse("groups:create"),
        {
            "name": "Thursday Circle",
            "text": shipped_text.pk,
            "time_zone": "Europe/Berlin",
            "join_policy": "open",
        },
        follow=True,
    )
    group = StudyGroup.objects.get(name="Thursday Circle")
    assert response.redirect_chain == [(reverse("groups:invite", args=[group.slug]), 302)]
    assert "Your group is ready." in page(response)
    assert group.invite_path() in page(response)
    assert group.memberships.get().user == facilitator
    assert group.memberships.get().is_facilitator


def test_facilitator_edits_the_group(group, facilitator):
    response = logged_in(facilitator).post(
        reverse("groups:edit", args=[group.slug]),
        {
            "name": "Wednesday Readers",
            "description": "We read slowly.",
            "meeting_place": "The back room",
            "time_zone": "Europe/Paris",
            "join_policy": "open",
        },
        follow=True,
    )
    assert "The group is saved." in page(response)
    assert "Wednesday Readers" in page(response) and "We read slowly." in page(response)
    group.refresh_from_db()
    assert group.time_zone == "Europe/Paris"
    # How people join is set on the invite page only; the text is fixed once the group exists.
    assert group.join_policy == "approval"
    assert group.text.slug == "russian-revolution-part-2"
    event = group.audit_events.get()
    assert (event.action, event.actor) == ("group_edit", facilitator)
    assert event.detail == "name, description, meeting place, time zone"


def grow_groups(user, shipped_text, groups: int = 4) -> None:
    """More groups the user facilitates, each with meetings, members, ticks and requests."""
    for g in range(groups):
        more = services.group_create(user=user, text=shipped_text, name=f"Group {g}")
        for days in (1, 5, 9):
            plan_meeting(more, days=days + g, chapters=(17, 18, 19), readings=3, questions=3)
        for i in range(3):
            joined = Membership.objects.create(
                group=more, user=make_user(f"g{g}m{i}", f"Member {g}.{i}")
            )
            ReadingMark.objects.create(membership=joined, chapter=chapter(more, 17))
            services.group_join(
                user=make_user(f"g{g}r{i}", f"Asker {g}.{i}"), code=more.invite_code
            )
    own = Membership.objects.get(group__name="Group 0", user=user)
    ReadingMark.objects.create(membership=own, chapter=chapter(own.group, 18))


def test_dashboard_queries_do_not_grow(
    group, facilitator, meeting, join_request, shipped_text, django_assert_num_queries
):
    client = logged_in(facilitator)
    small = count_queries(client, DASHBOARD)
    grow_groups(facilitator, shipped_text)
    forget_kept()
    with django_assert_num_queries(small):
        html = page(client.get(DASHBOARD))
    assert html.count("Up next:") == 5
    assert "Asker 3.2" in html


def test_group_page_shows_next_meeting_schedule_and_members(
    group, member, membership, meeting, facilitator
):
    later = plan_meeting(group, days=14, chapters=[17, 18])
    past = past_meeting(group, 21)
    html = page(logged_in(member).get(group.get_absolute_url()))
    up_next = html[html.index("Up next") : html.index('id="schedule-heading"')]
    assert meeting.get_absolute_url() in up_next
    assert "15. Tragedy in China" in up_next
    assert "Room 2, Central Library" in up_next
    schedule = html[html.index('id="schedule-heading"') : html.index('id="members-heading"')]
    assert later.get_absolute_url() in schedule
    assert "17, 18 (chapters)" in schedule
    assert past.get_absolute_url() in schedule and "(past)" in schedule
    assert "Members (2)" in html
    assert "Fay Facilitator" in html and "Max Member" in html
    assert "Plan a meeting" not in html  # that is the facilitator's
    assert "Plan a meeting" in page(logged_in(facilitator).get(group.get_absolute_url()))


def test_group_page_queries_do_not_grow(
    group, facilitator, membership, meeting, join_request, django_assert_num_queries
):
    """One query more since the page counts what is new on each question (a discussion
    view now, studygroup/discussion/views/meetings.py); test_new_on_group_page.py holds that
    one flat however many visits and posts there are."""
    client = logged_in(facilitator)
    url = group.get_absolute_url()
    small = count_queries(client, url)
    for days in range(2, 12):
        plan_meeting(group, days=days, chapters=(17, 18, 19), readings=2, questions=3)
    past_meeting(group, 21)
    own = Membership.objects.get(group=group, user=facilitator)
    ReadingMark.objects.create(membership=own, chapter=chapter(group, 17))
    for i in range(15):
        Membership.objects.create(group=group, user=make_user(f"m{i}", f"Member {i}"))
        services.group_join(user=make_user(f"r{i}", f"Asker {i}"), code=group.invite_code)
    forget_kept()
    with django_assert_num_queries(small):
        html = page(client.get(url))
    assert "Members (17)" in html
    assert "16 waiting" in html


def test_demo_data_in_debug(settings, shipped_text, client):
    """`make run`'s demo group shows the product: a discussion under way, not empty pages."""
    settings.DEBUG = True
    out = StringIO()
    call_command("demo_data", stdout=out)
    lines = out.getvalue().splitlines()  # the log-ins, and nothing else (no e-mails)
    assert lines[0].startswith("Demo group “Demo study group”") and len(lines) == 5
    assert all(" / study-together " in line for line in lines[1:])
    users = get_user_model().objects.filter(username__startswith="demo-")
    assert users.count() == 4
    group = StudyGroup.objects.get(name="Demo study group")
    assert group.memberships.count() == 4
    assert group.memberships.facilitators().get().user.username == "demo-facilitator"
    meeting = group.meetings.get()
    assert meeting.starts_at > timezone.now()
    assert meeting.chapters.count() == 2 and meeting.readings.exists()

    assert Answer.objects.filter(group=group).count() == 4
    comments = Comment.objects.filter(answer__group=group)
    assert comments.filter(depth=3).exists(), "a thread four comments deep"
    assert comments.filter(edited__isnull=False).exists()
    assert comments.filter(deleted__isnull=False).exists()
    assert comments.exclude(hidden_reason="").filter(hidden__isnull=False).exists()
    waiting = Notification.objects.unread().filter(recipient__username="demo-member")
    assert waiting.filter(text__contains="replied").exists(), "replies wait for the member"

    assert client.login(username="demo-member", password="study-together")
    html = page(client.get(DASHBOARD))
    assert "Demo study group" in html and "Up next:" in html
    # Karl last looked before the rest of the thread: three posts are new to him.
    assert '3 new<span class="visually-hidden">' in page(client.get(group.get_absolute_url()))

    call_command("demo_data", stdout=StringIO())  # a second run adds nothing
    assert users.count() == 4 and StudyGroup.objects.count() == 1
    assert Answer.objects.filter(group=group).count() == 4


def test_demo_data_refused_without_debug(settings, shipped_text):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="local runs only"):
        call_command("demo_data")
    assert not get_user_model().objects.exists()
    assert not StudyGroup.objects.exists()
