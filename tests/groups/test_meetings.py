"""Planning meetings in the group's time zone, what they assign, and group-only questions."""

import re
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone

from content.importer import text_import
from content.models import Question, ReadingItem
from studygroup.groups import services
from studygroup.groups.models import Meeting
from tests.support import CONFIRM, chapter, logged_in, page, plan_meeting

pytestmark = pytest.mark.django_db

NEXT_YEAR = timezone.now().year + 1


def meeting_form(
    day: date, at: str = "19:30", duration: int = 90, **assigned: list[int]
) -> dict[str, object]:
    return {"date": day.isoformat(), "time": at, "duration": duration, "place": "", **assigned}


def text_questions(group) -> list[Question]:
    return list(Question.objects.of_text(group.text))


@pytest.fixture
def new_york(group):
    group.time_zone = "America/New_York"
    group.save(update_fields=["time_zone"])
    return group


@pytest.fixture
def other_text(db):
    data = (
        b"1. One\nA paragraph.\nQuestions for Discussion\n- Why?\n"
        b"Further Reading: Introductory\nAnother Book by Someone\n"
    )
    return text_import(slug="other", data=data).text


@pytest.mark.parametrize(
    ("day", "utc"),
    [
        (date(NEXT_YEAR, 1, 15), datetime(NEXT_YEAR, 1, 16, 0, 30, tzinfo=UTC)),  # EST, UTC-5
        (date(NEXT_YEAR, 7, 15), datetime(NEXT_YEAR, 7, 15, 23, 30, tzinfo=UTC)),  # EDT, UTC-4
    ],
    ids=["winter", "summer"],
)
def test_facilitator_plans_a_meeting_in_the_groups_time_zone(new_york, facilitator, day, utc):
    questions = text_questions(new_york)[:2]
    client = logged_in(facilitator)
    url = reverse("groups:meeting_create", args=[new_york.slug])
    assert "In the group's time zone, America/New_York." in page(client.get(url))
    response = client.post(
        url,
        meeting_form(
            day,
            duration=120,
            chapters=[chapter(new_york, 15).pk, chapter(new_york, 16).pk],
            questions=[q.pk for q in questions],
        ),
    )
    meeting = Meeting.objects.get(group=new_york)
    assert response.url == meeting.get_absolute_url()
    assert meeting.starts_at == utc
    assert meeting.ends_at == utc + timedelta(hours=2)
    assert [c.number for c in meeting.chapters.order_by("number")] == [15, 16]
    assert set(meeting.questions.all()) == set(questions)

    shown = page(client.get(response.url))
    assert "The meeting is planned." in shown
    assert "15. Tragedy in China" in shown
    assert "16. The Defeat of the Joint Left Opposition" in shown
    for question in questions:
        assert question.body.replace("'", "&#x27;") in shown
    assert "Room 2, Central Library" in shown  # the group's usual place


def test_meeting_page_shows_the_local_time(new_york, facilitator):
    client = logged_in(facilitator)
    client.post(
        reverse("groups:meeting_create", args=[new_york.slug]),
        meeting_form(date(NEXT_YEAR, 1, 15)),
    )
    meeting = Meeting.objects.get(group=new_york)
    shown = page(client.get(meeting.get_absolute_url()))
    assert f"<h1>Meeting on Friday 15 January {NEXT_YEAR}, 19:30</h1>" in shown


@pytest.fixture
def winter_meeting(new_york) -> Meeting:
    """19:30 on 15 January in New York."""
    return services.meeting_save(
        group=new_york,
        starts_at=datetime(NEXT_YEAR, 1, 16, 0, 30, tzinfo=UTC),
        ends_at=datetime(NEXT_YEAR, 1, 16, 2, 0, tzinfo=UTC),
    )


def edit_page(facilitator, meeting) -> str:
    url = reverse("groups:meeting_edit", args=[meeting.group.slug, meeting.pk])
    return page(logged_in(facilitator).get(url))


def test_edit_form_shows_the_local_time(facilitator, winter_meeting):
    shown = edit_page(facilitator, winter_meeting)
    assert 'name="time" value="19:30"' in shown
    assert 'name="duration" value="90"' in shown


def test_edit_form_date_is_one_a_browser_reads(facilitator, winter_meeting):
    # <input type="date"> takes only YYYY-MM-DD: the en-gb "15/01/2027" shows as empty.
    assert f'name="date" value="{NEXT_YEAR}-01-15"' in edit_page(facilitator, winter_meeting)


NOT_A_CHOICE = "is not one of the available choices."
# What is changed in an otherwise good form (given the other text and group B's own
# question), and the message that says why it is refused.
BAD_INPUTS = {
    "past date": (
        lambda o: {"date": (timezone.now() - timedelta(days=1)).date().isoformat()},
        "A meeting is planned for the future: pick a later date.",
    ),
    "unknown chapter": (
        lambda o: {"chapters": [999999]},
        f"Select a valid choice. 999999 {NOT_A_CHOICE}",
    ),
    "chapter of another text": (lambda o: {"chapters": [o.chapter.pk]}, NOT_A_CHOICE),
    "reading of another text": (lambda o: {"readings": [o.reading.pk]}, NOT_A_CHOICE),
    "another group's question": (lambda o: {"questions": [o.question.pk]}, NOT_A_CHOICE),
    "no time": (lambda o: {"time": ""}, "This field is required."),
    "too short": (lambda o: {"duration": 5}, "greater than or equal to 15"),
}


@pytest.mark.parametrize("bad", BAD_INPUTS)
def test_bad_meeting_input_is_refused(group, facilitator, group_b, other_text, bad):
    others = SimpleNamespace(
        chapter=other_text.chapters.get(),
        reading=other_text.readings.get(),
        question=services.group_question_add(group=group_b, body="Group B only?"),
    )
    changes, message = BAD_INPUTS[bad]
    data = meeting_form(
        timezone.now().date() + timedelta(days=14), chapters=[chapter(group, 15).pk]
    )
    data.update(changes(others))
    response = logged_in(facilitator).post(
        reverse("groups:meeting_create", args=[group.slug]), data
    )
    assert response.status_code == 200
    assert message in page(response)
    assert not Meeting.objects.filter(group=group).exists()


def test_service_refuses_what_the_form_would(group, group_b, other_text):
    """Any caller, not just the form, gets the text's own things only."""
    starts = timezone.now() + timedelta(days=2)
    b_question = services.group_question_add(group=group_b, body="Group B only?")
    for assigned in (
        {"chapters": other_text.chapters.all()},
        {"readings": ReadingItem.objects.filter(text=other_text)},
        {"questions": [b_question]},
    ):
        with pytest.raises(services.GroupError):
            services.meeting_save(
                group=group, starts_at=starts, ends_at=starts + timedelta(hours=1), **assigned
            )
    assert not Meeting.objects.filter(group=group).exists()


def test_facilitator_edits_a_meeting(group, facilitator, meeting):
    day = timezone.now().date() + timedelta(days=21)
    response = logged_in(facilitator).post(
        reverse("groups:meeting_edit", args=[group.slug, meeting.pk]),
        meeting_form(day, at="18:00", chapters=[chapter(group, 17).pk], notes="Bring a pen."),
        follow=True,
    )
    assert "Saved." in page(response)
    assert "17. Proletarian Bonapartism" in page(response)
    assert "Bring a pen." in page(response)
    meeting.refresh_from_db()
    assert meeting.local_start.date() == day
    assert meeting.local_start.strftime("%H:%M") == "18:00"
    assert [c.number for c in meeting.chapters.all()] == [17]
    assert not meeting.readings.exists()
    assert Meeting.objects.filter(group=group).count() == 1


def test_facilitator_cancels_a_meeting(group, facilitator, meeting):
    response = logged_in(facilitator).post(
        reverse("groups:meeting_delete", args=[group.slug, meeting.pk]), CONFIRM, follow=True
    )
    assert response.redirect_chain[-1][0] == group.get_absolute_url()
    assert "The meeting is cancelled." in page(response)
    assert "No meeting planned yet." in page(response)
    assert not Meeting.objects.scheduled().filter(pk=meeting.pk).exists()


def test_another_groups_meeting_is_not_found(group, facilitator, group_b):
    theirs = group_b.meetings.get()
    client = logged_in(facilitator)
    assert (
        client.get(reverse("discussion:meeting", args=[group.slug, theirs.pk])).status_code == 404
    )
    assert (
        client.post(reverse("groups:meeting_delete", args=[group.slug, theirs.pk])).status_code
        == 404
    )
    assert Meeting.objects.scheduled().filter(pk=theirs.pk).exists()


QUESTION = "What would the Left Opposition have needed to win in 1927?"


def test_group_only_question_stays_in_its_group(
    client, group, facilitator, group_b, outsider, seed_bytes
):
    fay = logged_in(facilitator)
    response = fay.post(
        reverse("groups:questions", args=[group.slug]),
        {"body": f"  {QUESTION}\n", "chapters": [chapter(group, 16).pk]},
        follow=True,
    )
    assert "The question is added; assign it to a meeting." in page(response)
    assert QUESTION in page(response)
    question = Question.objects.get(group_question__group=group)
    assert question.body == QUESTION
    assert not question.of_text  # the text does not list it

    assert QUESTION in page(fay.get(reverse("groups:meeting_create", args=[group.slug])))
    theirs = logged_in(outsider).get(reverse("groups:meeting_create", args=[group_b.slug]))
    assert QUESTION not in page(theirs)
    assert QUESTION not in page(client.get(reverse("content:questions", args=[group.text.slug])))

    meeting = plan_meeting(group)
    meeting.questions.add(question)
    text_import(slug=group.text.slug, data=seed_bytes)
    question.refresh_from_db()
    assert question.body == QUESTION
    assert question.group_question.group == group and not question.of_text
    assert list(question.chapters.all()) == [chapter(group, 16)]
    assert question in meeting.questions.all()
    assert len(text_questions(group)) == 6


def test_an_empty_question_is_refused(group, facilitator):
    response = logged_in(facilitator).post(
        reverse("groups:questions", args=[group.slug]), {"body": "   "}
    )
    assert response.status_code == 200
    assert "This field is required." in page(response)
    assert not Question.objects.filter(group_question__group=group).exists()


def test_meeting_lists_the_texts_questions_before_the_groups(group, member, membership):
    own = services.group_question_add(group=group, body="Our own question?")
    meeting = plan_meeting(group, questions=1)
    meeting.questions.add(own)
    shown = page(logged_in(member).get(meeting.get_absolute_url()))
    first = text_questions(group)[0].body.replace("'", "&#x27;")
    assert shown.index(first) < shown.index("Our own question?")


def test_members_say_whether_they_are_coming_and_facilitators_see_the_count(
    group, facilitator, member, membership, mia, mia_membership, meeting
):
    url = reverse("groups:attendance", args=[group.slug, meeting.pk])
    max_client = logged_in(member)
    page_before = page(max_client.get(meeting.get_absolute_url()))
    assert "Are you coming?" in page_before and 'aria-pressed="true"' not in page_before

    fragment = page(max_client.post(url, {"going": "yes"}, headers={"HX-Request": "true"}))
    assert fragment.lstrip().startswith("<form ") and "<html" not in fragment
    assert re.search(r'value="" [^>]*aria-pressed="true">Going<', fragment), "pressed again: undo"
    logged_in(mia).post(url, {"going": "no"})  # without JavaScript: back to the meeting
    max_client.post(url, {"going": "no"})  # a change of mind replaces the answer
    max_client.post(url, {"going": "yes"})

    html = page(logged_in(facilitator).get(meeting.get_absolute_url()))
    assert "1 going, 1 can't make it" in html
    own = page(max_client.get(meeting.get_absolute_url()))
    assert "going," not in own, "facilitators only"
    assert re.search(r'aria-pressed="true">Going<', own), "the page says what they answered"
    mias = page(logged_in(mia).get(meeting.get_absolute_url()))
    assert re.search(r"aria-pressed=\"true\">Can(&#x27;|')t make it<", mias)
    max_client.post(url, {"going": ""})  # no answer after all
    assert "0 going, 1 can't make it" in page(
        logged_in(facilitator).get(meeting.get_absolute_url())
    )


def test_a_cancelled_meeting_takes_no_answers(group, facilitator, member, membership, meeting):
    services.meeting_cancel(meeting=meeting, by=facilitator)
    url = reverse("groups:attendance", args=[group.slug, meeting.pk])
    assert logged_in(member).post(url, {"going": "yes"}).status_code == 404
