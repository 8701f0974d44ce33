"""A member's inbox: one row per thing to tell them, read or not."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

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

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=20, choices=Kind)
    group = models.ForeignKey(StudyGroup, on_delete=models.CASCADE, related_name="+")
    # What the bell says; never a post's text, which answer-first may hide from the reader.
    text = models.CharField(max_length=300)
    url = models.CharField(max_length=300)
    # What it is about, when one thing must be told only once (a meeting's reminder).
    topic = models.CharField(max_length=80, blank=True)
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
