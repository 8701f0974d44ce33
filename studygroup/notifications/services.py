"""Writing to inboxes: one function puts a notification in front of people, one marks
them read. E-mail goes after the commit, from the worker, to those who asked for it: each
one as it happens, or in the next morning's digest."""

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from content import compiled
from content.models import Question
from studygroup.accounts.models import User
from studygroup.discussion.models import AnyPost
from studygroup.groups.models import Membership, StudyGroup

from .mail import next_digest
from .models import Notification, Watch
from .tasks import later, mail_notification, send_digest


def notify(
    *,
    recipients: Iterable[User | None],
    kind: str,
    group: StudyGroup,
    text: str,
    url: str,
    actor: User | None = None,
    post: AnyPost | None = None,
    details: str = "",
    topic: str = "",
    phrase: str = "",
) -> None:
    """In-app notifications, and e-mail after the commit to those who want it (a former
    member, ``None``, and the actor hear nothing). ``post`` (an answer or comment) lets the
    e-mail quote it to those who may read it; ``details`` is said in the e-mail only. With
    a ``topic`` and the ``phrase`` (the text without the actor's name), a recipient's unread
    line of that topic takes this one in instead of a new line."""
    users: dict[int, User] = {u.pk: u for u in recipients if u is not None and u != actor}
    if not users:
        return
    fresh = dict(users)
    if topic and phrase and actor is not None:
        # Unread news of the same topic is one line, naming the latest and counting the rest;
        # its link stays on the first, where reading starts.
        now = timezone.now()
        values: compiled.Values = {"topic": topic, "recipients": list(users)}
        grouped = compiled.objects("unread-of-topic", _unread_of_topic, values)
        for note in grouped:
            note.add_actor(actor, now)
            fresh.pop(note.recipient_id, None)
        compiled.update_each(grouped, ["actor_ids", "text", "created"])
    actors = [actor.pk] if actor is not None else []
    Notification.objects.bulk_create(
        Notification(
            recipient=user,
            kind=kind,
            group=group,
            text=text,
            url=url,
            topic=topic,
            phrase=phrase,
            actor_ids=actors,
        )
        for user in fresh.values()
    )
    ref: list[int | str] | None = None
    if post is not None:
        ref = [post.kind, post.pk]  # "answer", "comment" or "note": mail.post_of
    ids = list(users)
    # After the commit (a rolled-back write tells nobody), as tasks for the worker; robust: a
    # queue that cannot be written must not turn a saved post into an error.
    transaction.on_commit(lambda: _mail_later(ids, group.pk, text, url, details, ref), robust=True)


def _unread_of_topic(topic: str, recipients: list[int]) -> QuerySet[Notification]:
    unread = Notification.objects.unread().filter(topic=topic, recipient_id__in=recipients)
    return unread.select_for_update()  # what each line says is rewritten from what it said


def _email_choices(user_ids: list[int]) -> QuerySet[User, tuple[int, str]]:
    chosen = User.objects.filter(pk__in=user_ids).exclude(email="")
    return chosen.values_list("pk", "email_choice")


def _mail_later(
    user_ids: list[int],
    group_id: int,
    text: str,
    url: str,
    details: str,
    ref: list[int | str] | None,
) -> None:
    """Each e-mail queued, or the digest: as the members choose now (read afresh, not from
    the objects the request happened to load)."""
    each: list[int] = []
    daily: list[int] = []
    # Compiled once per number of recipients (content.compiled): asked after every notification.
    for pk, choice in compiled.rows("email-choices", _email_choices, {"user_ids": user_ids}):
        if choice == User.Email.EACH:
            each.append(pk)
        elif choice == User.Email.DAILY:
            daily.append(pk)
    if each:
        mail_notification.enqueue(each, group_id, text, url, details, ref)
    if daily:
        schedule_digests(daily)


def schedule_digests(user_ids: list[int]) -> None:
    """A digest queued for the next morning for each of these members who has none due."""
    due = next_digest()
    waiting = User.objects.filter(pk__in=user_ids, digest_due__isnull=True)
    for pk in list(waiting.values_list("pk", flat=True)):
        # Claimed one by one: of two requests at once, one queues it.
        claimed = User.objects.filter(pk=pk, digest_due__isnull=True).update(digest_due=due)
        if claimed and not later(send_digest, due, pk):
            User.objects.filter(pk=pk).update(digest_due=None)


def notifications_mark_read(*, user: User, ids: Iterable[int] | None = None) -> int:
    unread = Notification.objects.unread().filter(recipient=user)
    if ids is not None:
        unread = unread.filter(Q(pk__in=list(ids)))
    return unread.update(read=timezone.now())


def watch_set(*, membership: Membership, question: Question, watching: bool) -> None:
    """The member's own choice to watch a question's discussion, or not to."""
    Watch.objects.update_or_create(
        user_id=membership.user_id,
        group_id=membership.group_id,
        question=question,
        defaults={"watching": watching},
    )
