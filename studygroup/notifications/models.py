"""A member's inbox: one row per thing to tell them, read or not."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from content.models import Question
from studygroup.groups.models import StudyGroup


class NotificationQuerySet(models.QuerySet["Notification"]):
    def unread(self) -> "NotificationQuerySet":
        return self.filter(read__isnull=True)


class Notification(models.Model):
    class Kind(models.TextChoices):
        REPLY = "reply", "Reply"
        MENTION = "mention", "Mention"
        MEETING = "meeting", "Meeting planned, moved or cancelled"
        JOIN_REQUEST = "join_request", "Join request"
        JOIN_ANSWER = "join_answer", "Join request answered"
        REMINDER = "reminder", "Meeting reminder"
        WATCHED = "watched", "New post on a watched question"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=20, choices=Kind)
    group = models.ForeignKey(StudyGroup, on_delete=models.CASCADE, related_name="+")
    # What the bell says; never a post's text, which answer-first may hide from the reader.
    text = models.CharField(max_length=300)
    url = models.CharField(max_length=300)
    # What it is about: unread news of one topic is one line ("Rosa and 2 others replied to
    # your comment"), and a meeting's reminder is told once.
    topic = models.CharField(max_length=80, blank=True)
    # For grouping: what was done, without who did it, and who did it (latest first).
    phrase = models.CharField(max_length=300, blank=True)
    actor_ids = models.JSONField(default=list, blank=True)
    created = models.DateTimeField(default=timezone.now)
    read = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "-id"]
        indexes = [
            models.Index(
                fields=["recipient", "created"],
                condition=Q(read__isnull=True),
                name="notification_unread",
            )
        ]

    def __str__(self) -> str:
        return self.text

    def add_actor(self, actor, at) -> None:
        """Another one of the same: the line names the latest and counts the others, and
        comes to the top of the list again."""
        ids = [actor.pk, *(pk for pk in self.actor_ids if pk != actor.pk)]
        others = len(ids) - 1
        who = actor.name if not others else f"{actor.name} and {others} other{'s' * (others > 1)}"
        self.actor_ids, self.text, self.created = ids, f"{who} {self.phrase}"[:300], at


class Watch(models.Model):
    """A member's own choice to watch a question's discussion in a group, or not to. Without
    one, ``rules.watchers`` decides: its answerers and the group's facilitators watch."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    group = models.ForeignKey(StudyGroup, on_delete=models.CASCADE, related_name="+")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    watching = models.BooleanField()
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "group", "question"], name="one_watch_choice")
        ]

    def __str__(self) -> str:
        return f"{self.user} {'watches' if self.watching else 'ignores'} {self.question_id}"
