import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models


def new_calendar_token() -> str:
    return secrets.token_urlsafe(24)


# Embeddings, overrides and isolates (U+202A–202E, U+2066–2069) and the marks U+200E, U+200F.
BIDI_CONTROLS = dict.fromkeys([*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F])


class User(AbstractUser):
    display_name = models.CharField(
        max_length=80, help_text="How other members of your groups see you."
    )

    class Email(models.TextChoices):
        EACH = "each", "Each one, as it happens"
        DAILY = "daily", "A daily digest, in the morning"
        NONE = "none", "None: I will look in the app"

    email_choice = models.CharField(
        "e-mail about my groups",
        max_length=10,
        choices=Email,
        default=Email.EACH,
        help_text="Replies, mentions, meetings and their reminders.",
    )
    # The digest: when the next one is due (set by the first notification after the last
    # one; the worker runs it then), and up to when the last one told.
    digest_due = models.DateTimeField(null=True, blank=True, editable=False)
    digest_sent = models.DateTimeField(null=True, blank=True, editable=False)
    # The secret in a member's private calendar feed URL; resetting it kills the old URL.
    calendar_token = models.CharField(max_length=40, unique=True, default=new_calendar_token)

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_of(self.display_name, self.username)

    @staticmethod
    def name_of(display_name: str, username: str) -> str:
        """The name others see, from the two columns (for rows read without the model).

        Without bidirectional controls: an override in a name would reverse the rest of the
        line it is shown in (pages also isolate names in ``<bdi>``, for right-to-left ones).
        """
        return (display_name or username).translate(BIDI_CONTROLS)
