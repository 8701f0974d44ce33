"""Mail goes out from the task worker (``manage.py db_worker``), never inside a request: a
slow or refusing mail server holds no web worker, and a meeting told to 200 members is one
SMTP connection, not 200."""

import smtplib
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.tasks import task
from django.utils import timezone

# Attempts in all, and the wait before each retry (doubling): 1, 2, 4, 8 minutes.
ATTEMPTS = 5
FIRST_WAIT = timedelta(minutes=1)


@task
def send_mail_batch(subject: str, body: str, addresses: list[str], attempt: int = 1) -> int:
    """One message to each address, over one connection. When the mail server refuses or
    cannot be reached, the addresses not yet sent go again later, waiting twice as long
    each time; after the last attempt the task fails, and the admin lists it (Tasks)."""
    messages = [
        EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [address]) for address in addresses
    ]
    sent = 0
    try:
        with mailers.default as connection:  # one connection for the batch
            for message in messages:
                connection.send_messages([message])
                sent += 1
    except (smtplib.SMTPException, OSError):
        left = addresses[sent:]
        if attempt >= ATTEMPTS:
            raise
        wait = FIRST_WAIT * 2 ** (attempt - 1)
        send_mail_batch.using(run_after=timezone.now() + wait).enqueue(
            subject, body, left, attempt + 1
        )
    return sent
