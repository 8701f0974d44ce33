from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from content.models import Question, StudyText
from studygroup.discussion import services as discussion
from studygroup.groups import services
from studygroup.groups.models import Membership, StudyGroup

LOCMEM = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
AT_ONCE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}

PASSWORD = "study-together"
PEOPLE = [
    ("demo-facilitator", "Rosa (facilitator)", Membership.Role.FACILITATOR),
    ("demo-member", "Karl", Membership.Role.MEMBER),
    ("demo-member2", "Clara", Membership.Role.MEMBER),
    ("demo-member3", "Leon", Membership.Role.MEMBER),
]


class Command(BaseCommand):
    help = (
        "Create a demo group with a facilitator, three members, a planned meeting and a "
        "discussion under way (debug only)."
    )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("demo data is for local runs only (DJANGO_DEBUG=1)")
        text = StudyText.objects.order_by("id").first()
        if text is None:
            raise CommandError("import a study text first")
        # The demo's notifications stay in the app: no e-mails queued for the worker to print.
        with override_settings(TASKS=AT_ONCE, MAILERS=LOCMEM), transaction.atomic():
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
                discussion_under_way(group, users, Question.objects.of_text(text)[0])
        self.stdout.write(f"Demo group “{group.name}”: log in at /accounts/login/ as")
        for username, name, role in PEOPLE:
            self.stdout.write(f"  {username} / {PASSWORD}   ({name}, {role})")


def discussion_under_way(group: StudyGroup, users: list, question: Question) -> None:
    """The first question, argued out: four answers, a thread four replies deep, an edited
    comment, a deleted one, one hidden by the facilitator with a reason; the services send
    the notifications (Karl has replies waiting). Karl last opened the question's page after
    his reply, so what came since is new to him (three posts: the deleted and the hidden one
    are not news)."""
    rosa, karl, clara, leon = (Membership.objects.get(group=group, user=u) for u in users)
    post = discussion.answer_post
    karls = post(
        membership=karl,
        question=question,
        body="Uniting with the Kuomintang put the workers' organisations under the "
        "command of the very class that **crushed them in 1927**: Shanghai, then Wuhan.",
    )
    post(
        membership=clara,
        question=question,
        body="The mistake was not the alliance as such but giving up the Communists' "
        "independence inside it: no separate press, no soviets, the Party kept quiet.",
    )
    post(
        membership=rosa,
        question=question,
        body="Before Wednesday, read chapter 15 on April 1927 again: what did the "
        "Comintern expect Chiang Kai-shek to do?",
    )
    post(
        membership=leon,
        question=question,
        body="Both: the alliance was the policy, and silence inside it was its price.",
    )
    reply = discussion.comment_post
    first = reply(membership=clara, answer=karls, body="Was the defeat certain, though?")
    second = reply(
        membership=karl,
        answer=karls,
        parent=first,
        body="Not certain, but once the unions were disarmed there was little left.",
    )
    discussion.visit_record(membership=karl, question=question)
    third = reply(
        membership=leon,
        answer=karls,
        parent=second,
        body="Trotsky argued for soviets in 1926 already: see the further reading.",
    )
    reply(membership=clara, answer=karls, parent=third, body="Which page? I missed it.")
    edited = reply(membership=leon, answer=karls, body="The Canton rising came after, not before.")
    discussion.post_edit(
        post=edited,
        user=leon.user,
        body="The Canton rising came after Wuhan, in December 1927, not before.",
    )
    gone = reply(membership=clara, answer=karls, body="(posted twice, sorry)")
    discussion.post_delete(post=gone, user=clara.user)
    rude = reply(membership=leon, answer=karls, body="Anyone who disagrees has not read it.")
    discussion.post_hide(post=rude, by=rosa.user, reason="Argue with the point, not the person.")
