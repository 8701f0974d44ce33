"""A member's own data: everything they wrote, to take away; and leaving for good."""

from typing import Any

from django.db import transaction
from django.utils import timezone

from studygroup.accounts.models import User
from studygroup.discussion.models import Answer, Citation, Comment, Note
from studygroup.groups import services as group_services
from studygroup.groups.models import Membership, ReadingMark


class AccountError(Exception):
    """Deleting the account would break a rule; the message says what to do first."""


def account_data(user: User) -> dict[str, Any]:
    """All a member wrote and did here, in plain structures (for JSON or Markdown)."""
    answers = Answer.objects.filter(author=user).select_related("group", "question")
    comments = Comment.objects.filter(author=user).select_related(
        "answer__group", "answer__question", "parent__author"
    )
    notes = Note.objects.filter(author=user).select_related("group", "paragraph__chapter")
    memberships = Membership.objects.filter(user=user).select_related("group")
    marks = ReadingMark.objects.filter(membership__user=user).select_related(
        "membership__group", "chapter", "reading"
    )
    return {
        "exported": timezone.now().isoformat(),
        "account": {
            "username": user.username,
            "display_name": user.display_name,
            "email": user.email,
            "joined": user.date_joined.isoformat(),
        },
        "groups": [
            {"group": m.group.name, "role": m.role, "joined": m.joined.isoformat()}
            for m in memberships
        ],
        "answers": [
            {
                "group": a.group.name,
                "question": a.question.body,
                "body": a.body,
                "created": a.created.isoformat(),
                "edited": a.edited.isoformat() if a.edited else None,
                "deleted": a.deleted is not None,
                "hidden_reason": a.hidden_reason if a.hidden else None,
            }
            for a in answers
        ],
        "comments": [
            {
                "group": c.answer.group.name,
                "question": c.answer.question.body,
                "in_reply_to": "a comment" if c.parent_id else "an answer",
                "body": c.body,
                "created": c.created.isoformat(),
                "edited": c.edited.isoformat() if c.edited else None,
                "deleted": c.deleted is not None,
                "hidden_reason": c.hidden_reason if c.hidden else None,
            }
            for c in comments
        ],
        "notes": [
            {
                "group": n.group.name,
                "paragraph": f"¶{n.paragraph.reference}",
                "in_reply_to": "a note" if n.parent_id else None,
                "body": n.body,
                "created": n.created.isoformat(),
                "edited": n.edited.isoformat() if n.edited else None,
                "deleted": n.deleted is not None,
                "hidden_reason": n.hidden_reason if n.hidden else None,
            }
            for n in notes
        ],
        "reading_done": [
            {
                "group": m.membership.group.name,
                "item": str(m.chapter or m.reading),
                "marked": m.marked.isoformat(),
            }
            for m in marks
        ],
    }


def account_markdown(data: dict[str, Any]) -> str:
    lines = [f"# Everything {data['account']['username']} wrote on studygroup", ""]
    lines += [f"Exported {data['exported']}.", ""]
    for kind in ("answers", "comments", "notes"):
        lines += [f"## {kind.capitalize()}", ""]
        for post in data[kind]:
            on = post.get("question") or f"note on {post['paragraph']}"
            lines += [f"### {post['group']}: {on}", f"*{post['created']}*", ""]
            lines += [post["body"] or "*(deleted)*", ""]
    return "\n".join(lines)


@transaction.atomic
def account_delete(*, user: User, erase_posts: bool = False) -> None:
    """Delete the account. Posts stay, from "a former member", so threads keep their shape,
    unless ``erase_posts``: then their text goes too. A group is never left without a
    facilitator while it has other members; a group of one goes with its member."""
    stuck = []
    for membership in Membership.objects.facilitators().filter(user=user).select_related("group"):
        if not Membership.objects.filter(group_id=membership.group_id).exclude(user=user).exists():
            group_services.group_delete(group=membership.group, by=user)
            continue
        try:
            group_services.keep_a_facilitator(membership)
        except group_services.GroupError:
            stuck.append(membership.group.name)
    if stuck:
        raise AccountError(
            "Make another member a facilitator of " + ", ".join(sorted(stuck)) + " first."
        )
    if erase_posts:
        now = timezone.now()
        for model in (Answer, Comment, Note):
            model.objects.filter(author=user, deleted__isnull=True).update(
                body="", body_html="", deleted=now
            )
        # What the erased posts quoted goes with their text (as services.post_delete does).
        Citation.objects.filter(answer__author=user).delete()
        Citation.objects.filter(comment__author=user).delete()
        Citation.objects.filter(note__author=user).delete()
    user.delete()
