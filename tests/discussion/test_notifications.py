"""Notifications: replies, mentions, new meetings and join requests reach the right people,
once, in the app (the bell, the list, marking read) and by e-mail after the commit."""

import re
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from studygroup.groups import services as group_services
from studygroup.groups.models import Membership
from studygroup.notifications.models import Notification
from tests.support import answer, comment, logged_in, page, question_url, url

pytestmark = pytest.mark.django_db

NOTIFICATIONS = reverse("notifications:inbox")
READ = reverse("notifications:read")


def notified(user, kind=None) -> list[Notification]:
    found = Notification.objects.filter(recipient=user)
    return list(found.filter(kind=kind) if kind else found)


def bell(client) -> str:
    """What the header's bell says on a page."""
    html = page(client.get(reverse("groups:dashboard")))
    start = html.index('class="bell"')
    return html[start : html.index("</a>", start)]


@pytest.fixture
def maxs(group, facilitator, membership, question):
    """Max's answer. Fay, the facilitator, has stopped watching the question (watchers hear
    of every post: tests/notifications/test_watching.py), so replies tell only whom they
    reply to here."""
    from studygroup.notifications.models import Watch

    Watch.objects.create(user=facilitator, group=group, question=question, watching=False)
    return answer(membership, question, "Max's answer.")


# Who hears of what ------------------------------------------------------------------------


def test_a_reply_to_your_answer(group, maxs, mia_membership, mia, member, question):
    logged_in(mia).post(url("comment_create", group, maxs), {"body": "I disagree."})
    reply = maxs.comments.get()
    [note] = notified(member)
    assert note.kind == Notification.Kind.REPLY
    assert note.text.startswith("Mia Member replied to your answer")
    assert note.url == reply.get_absolute_url()
    assert note.group == group
    assert "I disagree" not in note.text


def test_a_reply_to_your_comment(group, maxs, membership, mia_membership, mia, member):
    mias = comment(mia_membership, maxs, "A comment.")
    Notification.objects.all().delete()
    logged_in(member).post(url("comment_create", group, maxs), {"body": "Yes.", "parent": mias.pk})
    [note] = notified(mia)
    assert note.text.startswith("Max Member replied to your comment")
    assert notified(member) == [], "not of his own reply"


@pytest.mark.parametrize(
    ("where", "said"), [("answer", "in an answer"), ("comment", "in a comment")]
)
def test_a_mention_by_a_member_tells_the_member_named(
    group, membership, mia_membership, fay_membership, outsider, member, mia, question, where, said
):
    body = "What do @max and @otto think? (@nobody, neither.)"
    if where == "answer":
        logged_in(mia).post(url("answer_create", group, question), {"body": body})
    else:
        fays = answer(fay_membership, question)
        logged_in(mia).post(url("comment_create", group, fays), {"body": body})
    mentions = Notification.objects.filter(kind=Notification.Kind.MENTION)
    assert [n.recipient for n in mentions] == [member], "Otto is not in the group"
    assert mentions[0].text.startswith(f"Mia Member mentioned you {said}")
    assert notified(outsider) == []


def test_a_new_meeting_tells_every_other_member(
    group, membership, mia_membership, facilitator, member, mia
):
    start = timezone.now() + timedelta(days=5)
    meeting = group_services.meeting_save(
        group=group, by=facilitator, starts_at=start, ends_at=start + timedelta(hours=1)
    )
    for user in (member, mia):
        [note] = notified(user, Notification.Kind.MEETING)
        assert note.text.startswith("New meeting on ")
        assert note.url == meeting.get_absolute_url()
    assert notified(facilitator) == []


def test_a_join_request_tells_the_facilitators(group, facilitator, member, membership, requester):
    group_services.member_set_role(membership=membership, role=Membership.Role.FACILITATOR)
    group_services.group_join(user=requester, code=group.invite_code)
    for user in (facilitator, member):
        [note] = notified(user, Notification.Kind.JOIN_REQUEST)
        assert note.text == "Rita Requester asks to join"
        assert note.url == reverse("groups:members", args=[group.slug])


def test_never_of_your_own_post(group, maxs, membership, member):
    logged_in(member).post(url("comment_create", group, maxs), {"body": "Also, @max: me."})
    assert notified(member) == []


def test_a_reply_that_mentions_the_person_replied_to_notifies_once(
    group, maxs, mia_membership, mia, member
):
    logged_in(mia).post(url("comment_create", group, maxs), {"body": "@max, you are wrong."})
    [note] = notified(member)
    assert note.kind == Notification.Kind.REPLY


# The bell, the list, marking read ---------------------------------------------------------


@pytest.fixture
def three(group, maxs, membership, mia_membership, member):
    """Three unread notifications for Max: Mia's replies to three of his comments (replies
    to one post would be one line), oldest first."""
    for n in range(3):
        comment(mia_membership, maxs, f"Reply {n}.", parent=comment(membership, maxs, f"C{n}."))
    return notified(member)[::-1]


def test_the_bell_counts_the_unread(member, mia, three):
    assert 'class="count">3<span class="visually-hidden"> unread</span>' in bell(logged_in(member))
    assert 'class="count"' not in bell(logged_in(mia))


def test_the_list_shows_them_newest_first(member, three):
    html = page(logged_in(member).get(NOTIFICATIONS))
    positions = [html.index(f'name="id" value="{n.pk}"') for n in three]
    assert positions == sorted(positions, reverse=True)
    assert html.count("Mia Member replied to your comment") == 3
    assert "Tuesday Readers" in html


def test_opening_one_marks_it_read_and_goes_there(member, three):
    client = logged_in(member)
    response = client.post(READ, {"id": three[0].pk})
    assert response.url == three[0].url
    three[0].refresh_from_db()
    assert three[0].read is not None
    assert 'class="count">2<' in bell(client)


def test_mark_all_read(member, three):
    client = logged_in(member)
    response = client.post(READ)
    assert response.url == NOTIFICATIONS
    assert not Notification.objects.unread().filter(recipient=member).exists()
    assert 'class="count"' not in bell(client)


def test_someone_elses_notification_is_not_yours_to_mark(member, mia, three):
    response = logged_in(mia).post(READ, {"id": three[0].pk})
    assert response.status_code == 404
    assert Notification.objects.unread().filter(recipient=member).count() == 3


@pytest.mark.parametrize("bad", ["abc", "-1", "²", " 1", "9" * 25, "0", ""])
def test_a_bad_id_marks_nothing(member, three, bad):
    client = logged_in(member)
    client.raise_request_exception = False
    response = client.post(READ, {"id": bad})
    assert response.status_code == 404
    assert Notification.objects.unread().filter(recipient=member).count() == 3


def test_the_list_runs_as_many_queries_for_3_as_for_100(
    group, member, three, django_assert_num_queries
):
    client = logged_in(member)
    client.get(NOTIFICATIONS)
    with CaptureQueriesContext(connection) as small:
        client.get(NOTIFICATIONS)
    Notification.objects.bulk_create(
        Notification(recipient=member, kind="reply", group=group, text=f"Note {n}", url="/")
        for n in range(100)
    )
    with django_assert_num_queries(len(small)):
        html = page(client.get(NOTIFICATIONS))
    assert html.count('name="id"') == 30, "a page at a time"
    assert "Older" in html


# Grouped -----------------------------------------------------------------------------------


def test_replies_to_one_answer_are_one_line_naming_the_latest(
    group, maxs, member, mia, mia_membership, facilitator
):
    from tests.support import make_user

    leon = make_user("leon", "Leon Member")
    Membership.objects.create(group=group, user=leon)
    for person, body in [(mia, "First."), (leon, "Second."), (facilitator, "Third.")]:
        logged_in(person).post(url("comment_create", group, maxs), {"body": body})
    [note] = notified(member)
    assert note.text.startswith("Fay Facilitator and 2 others replied to your answer on “")
    first = maxs.comments.get(body="First.")
    assert note.url == first.get_absolute_url(), "it opens where reading starts"
    client = logged_in(member)
    assert 'class="count">1<' in bell(client)
    assert client.post(READ, {"id": note.pk})["Location"] == note.url
    assert 'class="count"' not in bell(client), "marking the line read marks the three"

    logged_in(mia).post(url("comment_create", group, maxs), {"body": "Fourth."})
    newest = notified(member)[0]
    assert newest.pk != note.pk and newest.text.startswith("Mia Member replied to your answer")


def test_the_same_person_twice_is_named_once(group, maxs, member, mia, mia_membership):
    for body in ("One.", "Two."):
        logged_in(mia).post(url("comment_create", group, maxs), {"body": body})
    [note] = notified(member)
    assert note.text.startswith("Mia Member replied to your answer")


def test_replies_to_different_posts_stay_apart(
    group, maxs, membership, member, mia, mia_membership
):
    mine = comment(membership, maxs, "Max's comment.")
    logged_in(mia).post(url("comment_create", group, maxs), {"body": "On the answer."})
    logged_in(mia).post(
        url("comment_create", group, maxs), {"body": "On the comment.", "parent": mine.pk}
    )
    texts = sorted(n.text.split(" on ")[0] for n in notified(member))
    assert texts == ["Mia Member replied to your answer", "Mia Member replied to your comment"]


# E-mail -----------------------------------------------------------------------------------


def test_email_goes_after_the_commit_with_an_absolute_link(
    group, maxs, mia_membership, mia, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://study.example.org"
    with django_capture_on_commit_callbacks() as callbacks:
        logged_in(mia).post(url("comment_create", group, maxs), {"body": "Reply."})
        assert mailoutbox == [], "nothing before the commit"
    assert mailoutbox == []
    for callback in callbacks:
        callback()
    [mail] = mailoutbox
    reply = maxs.comments.get()
    assert mail.to == ["max@example.org"]
    assert mail.subject.startswith("[Tuesday Readers] Mia Member replied to your answer")
    assert f"https://study.example.org{reply.get_absolute_url()}" in mail.body
    assert "\n> Reply.\n" in mail.body, "Max may read the reply: the e-mail quotes it"


def test_no_email_when_the_write_rolls_back(
    maxs, mia_membership, mailoutbox, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        comment(mia_membership, maxs, "Reply.")
        raise RuntimeError("something later failed")
    assert mailoutbox == []
    assert not Notification.objects.exists()


def test_no_email_to_whoever_turned_it_off(
    group, maxs, member, mia, mailoutbox, mia_membership, django_capture_on_commit_callbacks
):
    member.email_choice = "none"
    member.save(update_fields=["email_choice"])
    with django_capture_on_commit_callbacks(execute=True):
        logged_in(mia).post(url("comment_create", group, maxs), {"body": "Reply."})
    assert mailoutbox == []
    assert len(notified(member)) == 1, "still told in the app"


def test_a_name_with_a_line_break_neither_breaks_a_reply_nor_its_email(
    transactional_db, group, maxs, mia_membership, mia, mailoutbox
):
    mia.display_name = "Mia\nBcc: someone@example.org"
    mia.save(update_fields=["display_name"])
    client = logged_in(mia)
    client.raise_request_exception = False
    # Outside a test transaction, as in production: the e-mail goes as the write commits.
    response = client.post(url("comment_create", group, maxs), {"body": "Hi."})
    assert response.status_code == 302
    [mail] = mailoutbox
    assert "\n" not in mail.subject
    assert mail.recipients() == ["max@example.org"]


def test_a_name_with_a_right_to_left_override_cannot_reverse_a_line(
    group,
    maxs,
    mia_membership,
    mia,
    member,
    question,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    # U+202E would show "Mia ‮replied to your answer" backwards from the name on.
    mia.display_name = "Mia \u202eMember\u2066"
    mia.save(update_fields=["display_name"])
    with django_capture_on_commit_callbacks(execute=True):
        logged_in(mia).post(url("comment_create", group, maxs), {"body": "A reply."})
    [note] = notified(member)
    [mail] = mailoutbox
    for where in (note.text, mail.subject, mail.body):
        assert not {"\u202e", "\u2066"} & set(where), where
    assert note.text.startswith("Mia Member replied")
    inbox = page(logged_in(member).get(NOTIFICATIONS))
    assert "<bdi>Mia Member replied" in inbox, "the line is isolated from what follows it"
    thread = page(logged_in(member).get(question_url(group, question)))
    assert "\u202e" not in thread and "<bdi>Mia Member</bdi>" in thread


def test_the_list_gives_times_as_the_thread_does(member, three):
    html = page(logged_in(member).get(NOTIFICATIONS))
    # One helper for every time: "just now" (not humanize's "39 seconds ago"), with the
    # instant for machines and the date and hour on hover.
    assert re.search(
        r'<time datetime="[^"]+" title="\d+ \w{3} \d{4}, \d\d:\d\d">just now</time>', html
    )
    assert "seconds ago" not in html


def test_a_notification_lands_on_its_comment_even_behind_more(
    group, maxs, membership, mia_membership, mia, member, question
):
    from studygroup.discussion.models import COMMENTS_FIRST

    for n in range(COMMENTS_FIRST + 2):  # a long thread: the last ones are behind "more"
        comment(mia_membership, maxs, f"Comment {n}.")
    mine = comment(membership, maxs, "Max's own comment, late in the thread.")
    Notification.objects.all().delete()
    logged_in(mia).post(url("comment_create", group, maxs), {"body": "Yes!", "parent": mine.pk})
    [note] = notified(member, Notification.Kind.REPLY)
    reply = maxs.comments.get(parent=mine)
    assert f'id="comment-{reply.pk}"' not in page(
        logged_in(member).get(question_url(group, question))
    )
    landed = page(logged_in(member).get(note.url.split("#")[0]))
    assert f'id="comment-{reply.pk}"' in landed and note.url.endswith(f"#comment-{reply.pk}")


def test_mail_goes_through_the_queue_and_a_real_worker(
    transactional_db,  # committed, as the worker finds it; it closes its connections
    group,
    maxs,
    member,
    mia,
    mia_membership,
    settings,
    mailoutbox,
):
    from django.core.management import call_command
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    logged_in(mia).post(url("comment_create", group, maxs), {"body": "Reply."})
    assert mailoutbox == [], "the request only queued it"
    [queued] = DBTaskResult.objects.all()
    assert queued.status == "READY"

    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    done = {
        t.task_path.rsplit(".", 1)[-1]: (t.status, t.traceback) for t in DBTaskResult.objects.all()
    }
    assert done["post_told"][0] == "SUCCESSFUL", done  # who hears of it, worked out there
    [mail] = mailoutbox
    assert mail.to == ["max@example.org"] and "Mia Member replied" in mail.subject
    queued.refresh_from_db()
    assert queued.status == "SUCCESSFUL"


def test_a_refusing_mail_server_is_tried_again_later(maxs, member, settings, mailoutbox):
    from django_tasks_db.models import DBTaskResult

    from studygroup.notifications.tasks import send_mails

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    # A real SMTP connection to a port where nothing listens: refused.
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": 1, "timeout": 2},
        }
    }
    sent = send_mails.call([("max@example.org", "Subject", "Body")])
    assert sent == 0
    [retry] = DBTaskResult.objects.all()
    assert retry.status == "READY" and retry.args_kwargs["args"][-1] == 2, "attempt 2 queued"
    assert retry.run_after > timezone.now() + timedelta(seconds=50), "after a wait"
