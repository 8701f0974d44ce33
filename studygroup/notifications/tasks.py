"""Mail goes out from the task worker (``manage.py db_worker``), never inside a request: a
slow or refusing mail server holds no web worker, and a meeting told to 200 members is one
SMTP connection, not 200. The worker also writes each e-mail for its reader (a post's words
only to those the discussion's rules let read them), sends the daily digests when they are
due and reminds members of tomorrow's meeting."""

import logging
import smtplib
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.db import transaction
from django.tasks import Task, task
from django.utils import timezone

from .mail import digest_mail, notification_mails

logger = logging.getLogger(__name__)

# Attempts in all, and the wait before each retry (doubling): 1, 2, 4, 8 minutes.
ATTEMPTS = 5
FIRST_WAIT = timedelta(minutes=1)

Mail = tuple[str, str, str]  # to, subject, body: what a task's arguments can carry (JSON)


def later(work: Task, at: datetime, *args: object) -> bool:
    """Queue ``work`` to run at ``at``. A backend that cannot wait (the immediate one, for
    a quick look without a worker) drops it with a line in the log instead of failing the
    request that asked."""
    if not work.get_backend().supports_defer:
        logger.warning("not queued, the tasks backend cannot wait: %s at %s", work.name, at)
        return False
    work.using(run_after=at).enqueue(*args)
    return True


@task
def send_mails(mails: list[Mail], attempt: int = 1) -> int:
    """Each message over one connection. When the mail server refuses or cannot be reached,
    those not yet sent go again later, waiting twice as long each time; after the last
    attempt the task fails, and the admin lists it (Tasks)."""
    sent = 0
    try:
        with mailers.default as connection:  # one connection for the batch
            for to, subject, body in mails:
                message = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [to])
                connection.send_messages([message])
                sent += 1
    except (smtplib.SMTPException, OSError):
        if attempt >= ATTEMPTS:
            raise
        wait = FIRST_WAIT * 2 ** (attempt - 1)
        left = [list(mail) for mail in mails[sent:]]
        later(send_mails, timezone.now() + wait, left, attempt + 1)
    return sent


@task
def mail_notification(
    user_ids: list[int],
    group_id: int,
    text: str,
    url: str,
    details: str = "",
    post: list | None = None,
) -> int:
    """One notification to those of ``user_ids`` who want each one by e-mail, each with the
    post's words when they may read them (``post`` is ``["answer" | "comment", id]``)."""
    return send_mails.call(notification_mails(user_ids, group_id, text, url, details, post))


@task
def send_digest(user_id: int) -> int:
    """The member's daily digest: what they have not read since the last one."""
    with transaction.atomic():
        mail = digest_mail(user_id)
    return send_mails.call([mail]) if mail else 0


@task
def remind_of_meeting(meeting_id: int, sequence: int) -> int:
    """The day before a meeting, its members who have not said they can't make it hear what
    to read and which questions are set; nothing if it was moved since (the move queued its
    own reminder) or cancelled, and never twice."""
    from .rules import meeting_reminder

    return meeting_reminder(meeting_id, sequence)
