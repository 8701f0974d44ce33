"""Writing to inboxes: one function puts a notification in front of people, one marks
them read. E-mail goes after the commit, to those who asked for it."""

from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from studygroup.accounts.models import User
from studygroup.groups.models import StudyGroup

from .models import Notification
from .tasks import send_mail_batch


def notify(
    *,
    recipients: Iterable[User | None],
    kind: str,
    group: StudyGroup,
    text: str,
    url: str,
    actor: User | None = None,
) -> None:
    """In-app notifications, and e-mail after the commit to those who want it (a former
    member, ``None``, and the actor hear nothing)."""
    users: dict[int, User] = {u.pk: u for u in recipients if u is not None and u != actor}
    Notification.objects.bulk_create(
        Notification(recipient=user, kind=kind, group=group, text=text, url=url)
        for user in users.values()
    )
    emails = [u.email for u in users.values() if u.email and u.email_notifications]
    if emails:
        subject = " ".join(f"[{group.name}] {text}".split())  # one header line, whatever names hold

        body = (
            f"{text}\n\n{settings.SITE_URL}{url}\n\nTurn these e-mails off on "
            f"your profile: {settings.SITE_URL}/accounts/profile/"
        )
        # After the commit (a rolled-back write tells nobody), as one task for the worker;
        # robust: a queue that cannot be written must not turn a saved post into an error.
        transaction.on_commit(lambda: send_mail_batch.enqueue(subject, body, emails), robust=True)


def notifications_mark_read(*, user: User, ids: Iterable[int] | None = None) -> int:
    unread = Notification.objects.unread().filter(recipient=user)
    if ids is not None:
        unread = unread.filter(Q(pk__in=list(ids)))
    return unread.update(read=timezone.now())
