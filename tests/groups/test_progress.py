"""Ticking chapters and readings as done, and the facilitators' progress table."""

import re

import pytest
from django.urls import reverse

from content.importer import text_import
from content.models import ReadingItem
from studygroup.groups.models import Membership, ReadingMark
from tests.support import (
    chapter,
    count_queries,
    forget_kept,
    logged_in,
    make_user,
    page,
    plan_meeting,
)

pytestmark = pytest.mark.django_db


def mark_url(group, kind: str, item) -> str:
    return reverse("groups:mark", args=[group.slug, kind, item.pk])


def ticks(membership) -> set:
    return set(membership.marks.values_list("chapter__number", "reading__title"))


def progress_row(html: str, name: str) -> list[str]:
    """The done / not-done cells of one member's row in the first progress table."""
    row = re.search(rf'<th scope="row"><bdi>{name}</bdi></th>(.*?)</tr>', html, re.S)
    assert row, f"no progress row for {name}"
    return re.findall(r'<td class="(done|not-done)">', row[1])


def test_member_ticks_and_unticks_a_chapter(group, member, membership, meeting):
    client = logged_in(member)
    url = mark_url(group, "chapter", chapter(group, 15))
    response = client.post(url, {"done": "on", "next": meeting.get_absolute_url()})
    assert response.url == meeting.get_absolute_url()
    assert ticks(membership) == {(15, None)}
    assert 'aria-pressed="true"' in page(client.get(response.url))

    client.post(url)
    assert ticks(membership) == set()


def test_ticking_twice_is_one_tick(group, member, membership):
    client = logged_in(member)
    for _ in range(2):
        client.post(mark_url(group, "chapter", chapter(group, 15)), {"done": "on"})
    assert ReadingMark.objects.filter(membership=membership).count() == 1


def test_member_ticks_a_reading(group, member, membership):
    reading = ReadingItem.objects.filter(text=group.text).order_by("level", "position").first()
    logged_in(member).post(mark_url(group, "reading", reading), {"done": "on"})
    assert ticks(membership) == {(None, reading.title)}


def test_a_chapter_of_another_text_is_not_found(group, member, membership):
    other = text_import(slug="other", data=b"1. One\nA paragraph.\n").text
    response = logged_in(member).post(
        mark_url(group, "chapter", other.chapters.get()), {"done": "on"}
    )
    assert response.status_code == 404
    assert not ReadingMark.objects.exists()


def test_an_unknown_kind_is_not_found(group, member, membership):
    response = logged_in(member).post(
        reverse("groups:mark", args=[group.slug, "paragraph", chapter(group, 15).pk])
    )
    assert response.status_code == 404


def test_htmx_untick_returns_an_unpressed_button(group, member, membership):
    client = logged_in(member)
    url = mark_url(group, "chapter", chapter(group, 15))
    client.post(url, {"done": "on"})
    response = client.post(url, headers={"HX-Request": "true"})
    assert 'aria-pressed="false"' in page(response)
    assert 'name="done" value="on"' in page(response)  # the next click ticks again
    assert "<html" not in page(response)
    assert ticks(membership) == set()


def test_progress_page_shows_the_tick(group, facilitator, member, membership, meeting):
    logged_in(member).post(mark_url(group, "chapter", chapter(group, 15)), {"done": "on"})
    response = logged_in(facilitator).get(reverse("discussion:progress", args=[group.slug]))
    html = page(response)
    assert "Ch. 15" in html and "Ch. 16" in html
    # Chapters 15 and 16, then the two readings: only chapter 15 is done.
    assert progress_row(html, "Max Member") == ["done", "not-done", "not-done", "not-done"]
    assert progress_row(html, "Fay Facilitator") == ["not-done"] * 4
    assert "✓" in html

    # A reading's tick lands in its own column, never in a chapter's with the same id.
    second = meeting.readings.order_by("level", "position")[1]
    logged_in(member).post(mark_url(group, "reading", second), {"done": "on"})
    html = page(logged_in(facilitator).get(reverse("discussion:progress", args=[group.slug])))
    assert progress_row(html, "Max Member") == ["done", "not-done", "not-done", "done"]


def test_meeting_page_shows_the_table_to_facilitators_only(
    group, facilitator, member, membership, meeting
):
    logged_in(member).post(mark_url(group, "chapter", chapter(group, 16)), {"done": "on"})
    html = page(logged_in(facilitator).get(meeting.get_absolute_url()))
    assert "Who has read what" in html
    assert progress_row(html, "Max Member") == ["not-done", "done", "not-done", "not-done"]
    assert "Who has read what" not in page(logged_in(member).get(meeting.get_absolute_url()))


def grow(group, members: int = 15, meetings: int = 10) -> None:
    """More members, each with ticks, and more meetings with three chapters and two readings."""
    for i in range(meetings):
        plan_meeting(group, days=10 + i, chapters=(17, 18, 19), readings=2)
    chapters = list(group.text.chapters.all())
    for i in range(members):
        joined = Membership.objects.create(group=group, user=make_user(f"m{i}", f"Member {i}"))
        ReadingMark.objects.bulk_create(
            ReadingMark(membership=joined, chapter=c) for c in chapters[: i % 5 + 1]
        )


@pytest.mark.parametrize("url_name", ["discussion:progress", "discussion:meeting"])
def test_progress_queries_do_not_grow(
    group, facilitator, member, membership, meeting, url_name, django_assert_num_queries
):
    client = logged_in(facilitator)
    logged_in(member).post(mark_url(group, "chapter", chapter(group, 15)), {"done": "on"})
    args = [group.slug] if url_name == "discussion:progress" else [group.slug, meeting.pk]
    url = reverse(url_name, args=args)
    small = count_queries(client, url)
    grow(group)
    forget_kept()
    with django_assert_num_queries(small):
        response = client.get(url)
    assert "Member 14" in page(response)


def test_the_answers_table_names_questions_as_the_text_and_the_group_number_them(
    group, facilitator, membership
):
    from content.models import Question
    from studygroup.groups import services

    own = services.group_question_add(group=group, body="Our own question?")
    fifth, sixth = Question.objects.of_text(group.text).filter(position__in=[5, 6])
    meeting = plan_meeting(group, questions=0)
    services.meeting_save(
        group=group,
        meeting=meeting,
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        questions=[fifth, sixth, own],
    )
    html = page(logged_in(facilitator).get(meeting.get_absolute_url()))
    labels = re.findall(r'title="[^"]*">([QG][\d–]+)</a></th>', html)
    assert labels == ["Q5", "Q6", "G1"], "the text's numbers, not the table's columns"
