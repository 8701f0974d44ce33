"""What an e-mail says, written for its reader in the worker: a notification (with the
post's words when the discussion's rules let this reader see them), and the daily digest."""

import textwrap
from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from content import compiled
from studygroup.accounts.models import User
from studygroup.discussion.models import Answer, AnyPost, Comment, Note
from studygroup.discussion.rules import know_standings, text_for
from studygroup.groups.models import Membership, StudyGroup

from .models import Notification

Mail = tuple[str, str, str]  # to, subject, body

DIGEST_HOUR = 7  # in the site's zone (settings.TIME_ZONE)
DIGEST_MOST = 50  # lines in one digest; the inbox has the rest


def subject_line(group_name: str, text: str) -> str:
    return " ".join(f"[{group_name}] {text}".split())  # one header line, whatever names hold


def _footer() -> str:
    return (
        "Choose each e-mail, a daily digest or none on your profile: "
        f"{settings.SITE_URL}/accounts/profile/"
    )


def _quoted(words: str) -> str:
    lines = words.strip().splitlines() or [""]
    return "\n".join("> " + line for line in lines)


def post_of(kind: str, pk: int) -> AnyPost | None:
    """A post by its model's name ("answer", "comment", "note") and id, as the tasks carry
    it, with what the notification rules and the e-mails read of it; None once it is gone.
    Every post told and mailed is loaded here: compiled once (content.compiled)."""
    return compiled.one(f"post-of:{kind}", _POSTS[kind], {"pk": pk})


_POSTS: dict[str, Callable[..., QuerySet[Any, Any]]] = {
    "answer": lambda pk: Answer.objects.select_related("question", "group", "author").filter(pk=pk),
    "comment": lambda pk: Comment.objects.select_related(
        "answer__question", "answer__author", "answer__group", "parent__author", "author"
    ).filter(pk=pk),
    "note": lambda pk: Note.objects.select_related(
        "paragraph__chapter", "group", "parent__author", "author"
    ).filter(pk=pk),
}


def notification_mails(
    user_ids: list[int], group_id: int, text: str, url: str, details: str, post: list | None
) -> list[Mail]:
    """One e-mail each for those who want each notification: the line, the post's words
    where this reader may read them (``rules.text_for``; otherwise the line alone, as the
    bell says it), what else there is to say, and the link."""
    group = StudyGroup.objects.filter(pk=group_id).first()
    if group is None:
        return []
    users = list(
        User.objects.filter(pk__in=user_ids, email_choice=User.Email.EACH).exclude(email="")
    )
    found = post_of(*post) if post else None
    memberships: dict[int, Membership] = {}
    if found is not None:
        for each in Membership.objects.filter(group=group, user__in=users):
            each.group = group
            memberships[each.user_id] = each
        if not isinstance(found, Note):  # answer-first is about answers and their threads
            question = found.question if isinstance(found, Answer) else found.answer.question
            know_standings(list(memberships.values()), question)
    mails: list[Mail] = []
    for user in users:
        parts = [text]
        membership = memberships.get(user.pk)
        words = text_for(membership, found) if membership and found else None
        if words:
            parts.append(_quoted(words))
        if details:
            parts.append(details)
        parts += [f"{settings.SITE_URL}{url}", _footer()]
        mails.append((user.email, subject_line(group.name, text), "\n\n".join(parts)))
    return mails


def next_digest(now: datetime | None = None) -> datetime:
    """The next morning's digest time: today's if it is still to come, else tomorrow's."""
    zone = ZoneInfo(settings.TIME_ZONE)
    local = timezone.localtime(now or timezone.now(), zone)
    due = datetime.combine(local.date(), time(DIGEST_HOUR), zone)
    return due if due > local else due + timedelta(days=1)


def digest_mail(user_id: int) -> Mail | None:
    """The digest for one member, marking it sent: the notifications they have not read,
    since the last digest, grouped by group. ``None`` when there is nothing to tell or they
    no longer want it. Runs in a transaction: the member's row is locked, so two workers
    never send the same digest twice."""
    user = User.objects.select_for_update().filter(pk=user_id).first()
    if user is None:
        return None
    now = timezone.now()
    User.objects.filter(pk=user.pk).update(digest_due=None, digest_sent=now)
    if user.email_choice != User.Email.DAILY or not user.email:
        return None
    unread = Notification.objects.unread().filter(recipient=user, created__lte=now)
    if user.digest_sent:
        unread = unread.filter(created__gt=user.digest_sent)
    notes = list(unread.select_related("group")[:DIGEST_MOST])
    if not notes:
        return None  # read in the app since: nothing to say
    by_group: dict[str, list[Notification]] = {}
    for note in notes:
        by_group.setdefault(note.group.name, []).append(note)
    parts = [f"What happened in your study groups since the last digest ({len(notes)} new):"]
    for name, group_notes in by_group.items():
        lines = [name]
        for note in group_notes:
            lines.append(textwrap.indent(f"- {note.text}\n  {settings.SITE_URL}{note.url}", "  "))
        parts.append("\n".join(lines))
    parts += [f"All of them: {settings.SITE_URL}{reverse('notifications:inbox')}", _footer()]
    count = f"{len(notes)} new" if len(notes) < DIGEST_MOST else f"{DIGEST_MOST}+ new"
    subject = " ".join(f"Your study groups: {count}".split())
    return (user.email, subject, "\n\n".join(parts))
