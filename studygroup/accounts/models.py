import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models


def new_calendar_token() -> str:
    return secrets.token_urlsafe(24)


class User(AbstractUser):
    display_name = models.CharField(
        max_length=80, help_text="How other members of your groups see you."
    )
    email_notifications = models.BooleanField(
        "e-mail me", default=True, help_text="Send me e-mail about my groups (replies, meetings)."
    )
    # The secret in a member's private calendar feed URL; resetting it kills the old URL.
    calendar_token = models.CharField(max_length=40, unique=True, default=new_calendar_token)

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_of(self.display_name, self.username)

    @staticmethod
    def name_of(display_name: str, username: str) -> str:
        """The name others see, from the two columns (for rows read without the model)."""
        return display_name or username
