"""`make run`'s demo group shows the product: a discussion under way, not empty pages."""

from io import StringIO

import pytest
from django.core.management import call_command

from studygroup.discussion.models import Answer, Comment
from studygroup.groups.models import StudyGroup
from studygroup.notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_the_demo_group_has_a_living_discussion(shipped_text, settings):
    settings.DEBUG = True  # the command refuses to run in production
    out = StringIO()
    call_command("demo_data", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("Demo group “Demo study group”")
    assert all(" / study-together " in line for line in lines[1:]) and len(lines) == 5
    group = StudyGroup.objects.get(name="Demo study group")
    assert Answer.objects.filter(group=group).count() == 4
    comments = Comment.objects.filter(answer__group=group)
    assert comments.filter(depth=3).exists(), "a thread four comments deep"
    assert comments.filter(edited__isnull=False).exists()
    assert comments.filter(deleted__isnull=False).exists()
    assert comments.exclude(hidden_reason="").filter(hidden__isnull=False).exists()
    meeting = group.meetings.upcoming().get()
    assert meeting.readings.exists() and meeting.questions.exists()
    karl = Notification.objects.unread().filter(recipient__username="demo-member")
    assert karl.filter(text__contains="replied").exists(), "replies waiting for the member"

    call_command("demo_data", stdout=StringIO())  # again: nothing doubled
    assert Answer.objects.filter(group=group).count() == 4
