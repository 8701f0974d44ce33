"""Group A (the facilitator's, with the member in it) and group B (the outsider's own)."""

from collections.abc import Iterable
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from content.models import Chapter, Question, ReadingItem
from studygroup.groups import services
from studygroup.groups.models import JoinRequest, Meeting, Membership, StudyGroup
from tests.conftest import make_user


def plan_meeting(
    group: StudyGroup,
    *,
    days: float = 7,
    chapters: Iterable[int] = (15, 16),
    readings: int = 2,
    questions: int = 2,
    place: str = "",
) -> Meeting:
    """A meeting ``days`` from now with chapters by number, and the first readings and questions."""
    # Whole minutes, as a form would give (and as an iCalendar feed can say).
    starts = (timezone.now() + timedelta(days=days)).replace(second=0, microsecond=0)
    return services.meeting_save(
        group=group,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=90),
        place=place,
        chapters=Chapter.objects.filter(text_id=group.text_id, number__in=list(chapters)),
        readings=ReadingItem.objects.filter(text_id=group.text_id).order_by("level", "position")[
            :readings
        ],
        questions=Question.objects.of_text(group.text)[:questions],
    )


def chapter(group: StudyGroup, number: int) -> Chapter:
    return Chapter.objects.get(text_id=group.text_id, number=number)


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page(response) -> str:
    return response.content.decode()


def count_queries(client: Client, url: str) -> int:
    """The queries a page takes: the budget to hold as its data grows."""
    client.get(url)  # the first request may set up the session; count the second
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.fixture
def group(facilitator, shipped_text) -> StudyGroup:
    """Group A: approval needed to join, so a join request can wait in it."""
    return services.group_create(
        user=facilitator,
        text=shipped_text,
        name="Tuesday Readers",
        meeting_place="Room 2, Central Library",
        time_zone="Europe/London",
        join_policy=StudyGroup.JoinPolicy.APPROVAL,
    )


@pytest.fixture
def membership(group, member) -> Membership:
    """The member's place in group A."""
    return Membership.objects.create(group=group, user=member)


@pytest.fixture
def group_b(outsider, shipped_text) -> StudyGroup:
    """The outsider's own group, so the outsider has real objects too."""
    group = services.group_create(user=outsider, text=shipped_text, name="Group B")
    plan_meeting(group, days=3, chapters=[20])
    return group


@pytest.fixture
def requester(db):
    return make_user("rita", "Rita Requester")


@pytest.fixture
def join_request(group, requester) -> JoinRequest:
    request = services.group_join(user=requester, code=group.invite_code)
    assert isinstance(request, JoinRequest)
    return request


@pytest.fixture
def meeting(group) -> Meeting:
    """Group A's next meeting: chapters 15-16, two readings, two questions."""
    return plan_meeting(group)


@pytest.fixture
def cast(group, membership, group_b, join_request, meeting, member, facilitator, outsider, admin):
    """Everything the permission table builds its URLs from."""
    return SimpleNamespace(
        group=group,
        membership=membership,
        group_b=group_b,
        join_request=join_request,
        meeting=meeting,
        chapter=chapter(group, 15),
        reading=meeting.readings.first(),
        users={"member": member, "facilitator": facilitator, "outsider": outsider, "admin": admin},
    )
