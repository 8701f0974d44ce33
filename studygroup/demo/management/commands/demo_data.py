from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from content.models import Question, StudyText
from studygroup.groups import services
from studygroup.groups.models import Membership, StudyGroup

PASSWORD = "study-together"
PEOPLE = [
    ("demo-facilitator", "Rosa (facilitator)", Membership.Role.FACILITATOR),
    ("demo-member", "Karl", Membership.Role.MEMBER),
    ("demo-member2", "Clara", Membership.Role.MEMBER),
]


class Command(BaseCommand):
    help = "Create a demo group with a facilitator, two members and a planned meeting (debug only)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("demo data is for local runs only (DJANGO_DEBUG=1)")
        text = StudyText.objects.order_by("id").first()
        if text is None:
            raise CommandError("import a study text first")
        with transaction.atomic():
            users = []
            for username, name, _ in PEOPLE:
                user, created = get_user_model().objects.get_or_create(
                    username=username,
                    defaults={"display_name": name, "email": f"{username}@example.org"},
                )
                if created:
                    user.set_password(PASSWORD)
                    user.save(update_fields=["password"])
                users.append(user)
            group = StudyGroup.objects.filter(name="Demo study group").first()
            if group is None:
                group = services.group_create(
                    user=users[0],
                    text=text,
                    name="Demo study group",
                    description="A group to try things out in.",
                    meeting_place="Room 2, Community Centre",
                    join_policy=StudyGroup.JoinPolicy.APPROVAL,
                )
                for user, (_, _, role) in zip(users[1:], PEOPLE[1:], strict=True):
                    Membership.objects.create(group=group, user=user, role=role)
                starts = (timezone.now() + timedelta(days=7)).replace(
                    hour=18, minute=30, second=0, microsecond=0
                )
                services.meeting_save(
                    group=group,
                    starts_at=starts,
                    ends_at=starts + timedelta(minutes=90),
                    chapters=text.chapters.order_by("number")[:2],
                    readings=text.readings.order_by("level", "position")[:1],
                    questions=Question.objects.of_text(text)[:2],
                    notes="Bring your questions about the Chinese revolution.",
                )
        self.stdout.write(f"Demo group “{group.name}”: log in at /accounts/login/ as")
        for username, name, role in PEOPLE:
            self.stdout.write(f"  {username} / {PASSWORD}   ({name}, {role})")
