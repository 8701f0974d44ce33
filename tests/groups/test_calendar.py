"""The private calendar feed: the meetings of one's own groups, and resetting its address."""

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from content.models import Question
from tests.support import CONFIRM, logged_in, page, plan_meeting

pytestmark = pytest.mark.django_db


def feed_url(user) -> str:
    return reverse("groups:calendar", args=[user.calendar_token])


def events(client, user) -> dict[str, object]:
    """The feed's VEVENTs by UID."""
    response = client.get(feed_url(user))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.content)
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def test_feed_holds_the_meetings_of_my_groups(client, group, member, membership, meeting, group_b):
    online = plan_meeting(group, days=14, chapters=[17], place="https://meet.example.org/abc")
    found = events(client, member)
    assert set(found) == {f"meeting-{meeting.pk}@studygroup", f"meeting-{online.pk}@studygroup"}

    event = found[f"meeting-{meeting.pk}@studygroup"]
    assert event.decoded("DTSTART") == meeting.starts_at
    assert event.decoded("DTEND") == meeting.ends_at
    assert str(event["SUMMARY"]) == "Tuesday Readers: study group meeting"
    assert str(event["LOCATION"]) == "Room 2, Central Library"
    description = str(event["DESCRIPTION"])
    assert "- Chapter 15. Tragedy in China" in description
    assert "- Chapter 16. The Defeat of the Joint Left Opposition" in description
    for question in Question.objects.of_text(group.text)[:2]:
        assert f"- {question.body}" in description
    assert f"http://testserver{meeting.get_absolute_url()}" in description
    assert str(found[f"meeting-{online.pk}@studygroup"]["LOCATION"]) == (
        "https://meet.example.org/abc"
    )


def test_feed_leaves_out_groups_i_left(client, group, member, membership, meeting):
    membership.delete()
    assert events(client, member) == {}


def test_feed_of_someone_in_no_group_is_empty(client, admin, meeting):
    assert events(client, admin) == {}


def test_feed_queries_do_not_grow(client, group, member, membership, django_assert_num_queries):
    plan_meeting(group)
    # The token's owner, the meetings with their group, then their three kinds of assignment.
    with django_assert_num_queries(5):
        client.get(feed_url(member))
    for days in range(2, 12):
        plan_meeting(group, days=days, chapters=(17, 18, 19), readings=2, questions=3)
    with django_assert_num_queries(5):
        assert len(events(client, member)) == 11


def test_resetting_the_token_kills_the_old_address(client, group, member, membership, meeting):
    old = feed_url(member)
    user = logged_in(member)
    response = user.post(reverse("accounts:calendar_reset"), CONFIRM, follow=True)
    assert "Your calendar has a new address; the old one no longer works." in page(response)
    member.refresh_from_db()
    assert feed_url(member) != old
    assert feed_url(member) in page(response)  # the profile shows the new address
    assert client.get(old).status_code == 404
    assert len(events(client, member)) == 1


def test_an_inactive_users_feed_is_gone(client, member, membership, meeting):
    member.is_active = False  # still in the group, but the account is switched off
    member.save(update_fields=["is_active"])
    assert client.get(feed_url(member)).status_code == 404


def test_a_moved_then_cancelled_meeting_updates_the_calendars(
    client,
    group,
    facilitator,
    member,
    membership,
    meeting,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    from datetime import timedelta

    from studygroup.groups import services
    from studygroup.groups.models import Meeting
    from studygroup.notifications.models import Notification

    def an_hour_ago() -> None:  # the feed says whole seconds; a test takes less than one
        Meeting.objects.filter(pk=meeting.pk).update(revised=timezone.now() - timedelta(hours=1))

    uid = f"meeting-{meeting.pk}@studygroup"
    an_hour_ago()
    planned = events(client, member)[uid]
    assert int(planned["SEQUENCE"]) == 0
    was = meeting.local_start
    fay = logged_in(facilitator)
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_save(
            group=group,
            meeting=meeting,
            by=facilitator,
            starts_at=meeting.starts_at + timedelta(hours=1),
            ends_at=meeting.ends_at + timedelta(hours=1),
            place=meeting.place,
            chapters=meeting.chapters.all(),
        )
    moved = events(client, member)[uid]
    assert int(moved["SEQUENCE"]) == 1 and "STATUS" not in moved
    # No METHOD in the feed: DTSTAMP is the event's last change (RFC 5545), so it moves too.
    assert moved["DTSTAMP"].dt > planned["DTSTAMP"].dt
    assert moved["LAST-MODIFIED"].dt == moved["DTSTAMP"].dt
    [told] = Notification.objects.filter(recipient=member).exclude(text__startswith="New")
    assert (
        told.text.startswith("Meeting moved: now ") and f"(was {was:%a %-d %b, %H:%M}" in told.text
    )
    [mail] = mailoutbox
    assert mail.to == [member.email] and "Meeting moved" in mail.subject

    an_hour_ago()
    moved = events(client, member)[uid]
    with django_capture_on_commit_callbacks(execute=True):
        fay.post(reverse("groups:meeting_delete", args=[group.slug, meeting.pk]), CONFIRM)
    cancelled = events(client, member)[uid]
    assert str(cancelled["STATUS"]) == "CANCELLED" and int(cancelled["SEQUENCE"]) == 2
    assert cancelled["DTSTAMP"].dt > moved["DTSTAMP"].dt
    assert str(cancelled["SUMMARY"]).startswith("Cancelled: ")
    told = Notification.objects.filter(recipient=member).first()  # the newest
    assert told.text.endswith("cancelled") and len(mailoutbox) == 2

    # The link in every notification of it says what happened, not 404.
    response = logged_in(member).get(told.url)
    assert response.status_code == 410
    assert "was cancelled" in page(response)
    assert f"/meetings/{meeting.pk}/" not in page(logged_in(member).get(group.get_absolute_url()))


def test_changing_only_the_notes_tells_nobody(group, facilitator, member, membership, meeting):
    from studygroup.groups import services
    from studygroup.notifications.models import Notification

    services.meeting_save(
        group=group,
        meeting=meeting,
        by=facilitator,
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        place=meeting.place,
        notes="Bring the handout.",
    )
    meeting.refresh_from_db()
    told = Notification.objects.filter(recipient=member).exclude(text__startswith="New meeting")
    assert meeting.sequence == 0 and not told.exists()
