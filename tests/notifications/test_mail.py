"""E-mail as members choose it: each notification with the post's words where they may read
them, a daily digest in the morning, or none; and the reminder the day before a meeting."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from studygroup.groups import services as group_services
from studygroup.notifications.mail import next_digest
from studygroup.notifications.models import Notification
from studygroup.notifications.tasks import remind_of_meeting, send_digest
from tests.support import answer, comment, logged_in, plan_meeting, url, worker_tells

pytestmark = pytest.mark.django_db

QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def maxs(membership, question):
    return answer(membership, question, "Max's answer.")


def queued(task_name: str) -> list:
    from django_tasks_db.models import DBTaskResult

    return [t for t in DBTaskResult.objects.all() if t.task_path.endswith(task_name)]


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """What runs after the commit, run: the queue is written then."""
    return django_capture_on_commit_callbacks


def to(outbox, user) -> list:
    return [mail for mail in outbox if mail.to == [user.email]]


def choose(user, choice: str) -> None:
    user.email_choice = choice
    user.save(update_fields=["email_choice"])


# The post's words --------------------------------------------------------------------------


def test_a_mention_quotes_the_post_only_to_who_may_read_it(
    group,
    answer_first,
    question,
    membership,
    mia,
    mia_membership,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    """Answer-first: Mia has not answered, so an e-mail must not show her Max's answer; once
    she has, it does."""
    with django_capture_on_commit_callbacks(execute=True):
        answer(membership, question, "I think @mia sees it differently: the Soviet was first.")
    [mail] = to(mailoutbox, mia)
    assert mail.to == ["mia@example.org"] and "Max Member mentioned you" in mail.subject
    assert "Soviet" not in mail.body, "answer-first hides it from her"

    mailoutbox.clear()
    answer(mia_membership, question, "My own answer.")
    maxs = question.answers.get(author=membership.user)
    with django_capture_on_commit_callbacks(execute=True):
        comment(membership, maxs, "Now you can read it, @mia: the Soviet.")
    [mail] = to(mailoutbox, mia)
    assert "> Now you can read it, @mia: the Soviet." in mail.body


def test_a_post_hidden_before_the_worker_runs_is_not_quoted(
    group, maxs, member, mia, mia_membership, facilitator, settings, mailoutbox, on_commit
):
    from studygroup.discussion import services as discussion
    from studygroup.notifications.tasks import mail_notification

    settings.TASKS = QUEUE
    with on_commit(execute=True):
        logged_in(mia).post(url("comment_create", group, maxs), {"body": "Something rude."})
    assert not queued("mail_notification"), "the request queues the news, not the mail"
    with on_commit(execute=True):
        worker_tells()
    reply = maxs.comments.get()
    discussion.post_hide(post=reply, by=facilitator, reason="Rude")
    [job] = [j for j in queued("mail_notification") if member.pk in j.args_kwargs["args"][0]]
    mail_notification.call(*job.args_kwargs["args"])  # as the worker runs it, later
    [mail] = to(mailoutbox, member)
    assert "Mia Member replied" in mail.subject and "rude" not in mail.body.lower()


# The daily digest --------------------------------------------------------------------------


def test_the_next_digest_is_the_coming_morning(settings):
    settings.TIME_ZONE = "Europe/Berlin"
    zone = ZoneInfo("Europe/Berlin")
    before = datetime(2026, 12, 3, 6, 30, tzinfo=zone)
    after = datetime(2026, 12, 3, 7, 0, tzinfo=zone)
    assert next_digest(before) == datetime(2026, 12, 3, 7, 0, tzinfo=zone)
    assert next_digest(after) == datetime(2026, 12, 4, 7, 0, tzinfo=zone)


def test_a_daily_member_gets_one_digest_in_the_morning(
    group, maxs, member, mia, mia_membership, facilitator, settings, mailoutbox, on_commit
):
    settings.TASKS = QUEUE
    choose(member, "daily")
    with on_commit(execute=True):
        logged_in(mia).post(url("comment_create", group, maxs), {"body": "First reply."})
        worker_tells()
    with on_commit(execute=True):
        logged_in(facilitator).post(url("comment_create", group, maxs), {"body": "Second."})
        worker_tells()
    [digest] = queued("send_digest")  # one for the two, not one each
    member.refresh_from_db()
    assert digest.run_after == member.digest_due and digest.run_after > timezone.now()
    assert not [j for j in queued("mail_notification") if member.pk in j.args_kwargs["args"][0]]

    assert send_digest.call(member.pk) == 1
    [mail] = mailoutbox
    assert mail.to == ["max@example.org"] and mail.subject == "Your study groups: 1 new"
    assert "Tuesday Readers" in mail.body
    assert "Fay Facilitator and 1 other replied to your answer" in mail.body, "as in the app"
    assert "First reply" not in mail.body, "a list of what happened, to open in the app"

    assert send_digest.call(member.pk) == 0, "the same news is not sent twice"
    with on_commit(execute=True):
        logged_in(mia).post(url("comment_create", group, maxs), {"body": "Third."})
        worker_tells()
    assert len(queued("send_digest")) == 2, "the next one is queued"


def test_nothing_read_in_the_app_since_is_sent(maxs, member, mia_membership, settings, mailoutbox):
    settings.TASKS = QUEUE
    choose(member, "daily")
    comment(mia_membership, maxs, "A reply.")
    Notification.objects.filter(recipient=member).update(read=timezone.now())
    assert send_digest.call(member.pk) == 0
    assert mailoutbox == []


def test_choosing_none_after_the_digest_was_queued_sends_nothing(
    group, maxs, member, mia, mia_membership, settings, mailoutbox
):
    settings.TASKS = QUEUE
    choose(member, "daily")
    comment(mia_membership, maxs, "A reply.")
    worker_tells()
    choose(member, "none")
    assert send_digest.call(member.pk) == 0 and mailoutbox == []
    assert Notification.objects.filter(recipient=member).count() == 1, "still in the app"


# The meeting reminder ----------------------------------------------------------------------


def test_a_meeting_is_reminded_the_day_before_with_what_to_read(
    group, membership, mia, mia_membership, facilitator, settings, mailoutbox, on_commit
):
    settings.TASKS = QUEUE
    with on_commit(execute=True):
        meeting = plan_meeting(group, days=3, chapters=(15,), questions=1)
        assert not queued("remind_of_meeting"), "the request queued only the news"
        worker_tells()  # the members told, the reminder queued
    [reminder] = queued("remind_of_meeting")
    assert abs(reminder.run_after - (meeting.starts_at - timedelta(days=1))) < timedelta(seconds=1)
    group_services.attendance_set(membership=mia_membership, meeting=meeting, going=False)

    with on_commit(execute=True):
        assert remind_of_meeting.call(meeting.pk, meeting.sequence) == 2  # Fay, Max; not Mia
    told = Notification.objects.filter(kind=Notification.Kind.REMINDER)
    assert {n.recipient.username for n in told} == {"fay", "max"}
    note = told.first()
    assert note.text.startswith("Reminder: meeting ") and "read 15." in note.text
    assert note.url == meeting.get_absolute_url()
    from studygroup.notifications.tasks import mail_notification

    # The e-mail (queued for the worker) says where, what to read and which questions.
    [job] = [j for j in queued("mail_notification") if j.args_kwargs["args"][2] == note.text]
    mail_notification.call(*job.args_kwargs["args"])
    mail = next(m for m in mailoutbox if m.to == ["max@example.org"])
    assert "Room 2, Central Library" in mail.body
    assert "Read:\n- 15." in mail.body and "Questions set:\n- Q" in mail.body

    assert remind_of_meeting.call(meeting.pk, meeting.sequence) == 0, "never twice"


def test_a_moved_or_cancelled_meeting_is_not_reminded_at_the_old_time(
    group, membership, facilitator, settings, on_commit
):
    settings.TASKS = QUEUE
    with on_commit(execute=True):
        meeting = plan_meeting(group, days=3)
        worker_tells()
    old_sequence = meeting.sequence
    with on_commit(execute=True):
        group_services.meeting_save(
            group=group,
            meeting=meeting,
            by=facilitator,
            starts_at=meeting.starts_at + timedelta(days=2),
            ends_at=meeting.ends_at + timedelta(days=2),
        )
        worker_tells()
    assert len(queued("remind_of_meeting")) == 2, "one for the new time"
    assert remind_of_meeting.call(meeting.pk, old_sequence) == 0
    group_services.meeting_cancel(meeting=meeting, by=facilitator)
    meeting.refresh_from_db()
    assert remind_of_meeting.call(meeting.pk, meeting.sequence) == 0
    assert not Notification.objects.filter(kind=Notification.Kind.REMINDER).exists()


def test_a_meeting_within_a_day_needs_no_reminder(group, membership, settings, on_commit):
    settings.TASKS = QUEUE
    with on_commit(execute=True):
        plan_meeting(group, days=0.5)
        worker_tells()
    assert Notification.objects.filter(kind=Notification.Kind.MEETING).exists(), "announced"
    assert not queued("remind_of_meeting"), "its announcement is the reminder"


def test_the_profile_page_offers_the_three_choices(member):
    html = logged_in(member).get("/accounts/profile/").content.decode()
    for label in ("Each one, as it happens", "A daily digest", "None: I will look in the app"):
        assert label in html


def test_a_meeting_s_news_is_told_by_the_worker_not_in_the_request(
    group, membership, mia_membership, settings
):
    settings.TASKS = QUEUE
    plan_meeting(group, days=3)
    assert not Notification.objects.exists(), "the request wrote none"
    assert [j.args_kwargs["args"][0] for j in queued("meeting_told")] == ["meeting_planned"]
    worker_tells()
    told = Notification.objects.filter(kind=Notification.Kind.MEETING)
    assert {n.recipient.username for n in told} == {"fay", "max", "mia"}


@pytest.mark.parametrize("readers", [2, 8])
def test_one_post_s_e_mails_take_the_same_queries_however_many_read_them(
    group, answer_first, question, membership, readers, django_assert_max_num_queries
):
    """Answer-first weighed for every reader (the question's settings, their answers) in a
    fixed number of queries, not one or two a reader."""
    from studygroup.groups.models import Membership
    from studygroup.notifications.mail import notification_mails
    from tests.support import make_user

    people = [make_user(f"reader{n}", f"Reader {n}") for n in range(readers)]
    mine = [Membership.objects.create(group=group, user=person) for person in people]
    for each in mine[::2]:  # half have answered, so may read it
        answer(each, question, "Mine.")
    maxs = answer(membership, question, "Max's answer.")
    with django_assert_max_num_queries(6):
        mails = notification_mails(
            [p.pk for p in people], group.pk, "News", "/x/", "", ["answer", maxs.pk]
        )
    quoted = {to for to, _, body in mails if "Max's answer." in body}
    assert quoted == {p.email for p in people[::2]}, "only those who answered read it"
