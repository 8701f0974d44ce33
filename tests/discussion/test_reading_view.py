"""A chapter as the group reads it: the text as on the public page, the meetings that assign
it, the member's tick (the very mark of the meeting page), the group's questions on it with
how many have answered, and previous / next among the group's chapters; the group's pages
lead here, and the public chapter page leads a member here."""

import re

import pytest
from django.urls import reverse

from content.models import Chapter, Question
from studygroup.groups import services as groups
from studygroup.groups.models import Membership, ReadingMark
from tests.support import (
    HTMX,
    answer,
    chapter,
    count_queries,
    forget_kept,
    logged_in,
    make_user,
    page,
    plan_meeting,
    question_url,
)

pytestmark = pytest.mark.django_db


def read_url(group, number: int) -> str:
    return reverse("discussion:read", args=[group.slug, number])


def public_url(group, number: int) -> str:
    return reverse("content:chapter", args=[group.text.slug, number])


def pager(html: str) -> dict[str, str]:
    """The pager's links: {"prev": href, "next": href}, each only if shown."""
    nav = html[html.index('<nav class="pager"') :]
    nav = nav[: nav.index("</nav>")]
    return dict(re.findall(r'<a class="pager-\w+" rel="(prev|next)" href="([^"]+)"', nav))


def mark_form(html: str) -> str:
    """The action of the reading view's "Done" form."""
    card = html[html.index('class="card reading-for"') :]
    return re.search(r'<form method="post" action="([^"]+)" class="mark"', card)[1]


def about(group, number: int, questions) -> None:
    for question in questions:
        question.chapters.add(chapter(group, number))


@pytest.fixture
def on_15(group, meeting) -> list[Question]:
    """The meeting's two questions, both about chapter 15."""
    questions = list(meeting.questions.all())
    about(group, 15, questions)
    return questions


def test_a_member_reads_the_chapter_with_its_meeting_and_questions(
    group, member, membership, mia_membership, meeting, on_15
):
    first, second = on_15
    answer(membership, first)
    answer(mia_membership, first)
    answer(mia_membership, second)
    html = page(logged_in(member).get(read_url(group, 15)))

    text = chapter(group, 15)
    assert f'<h1 id="chapter-title">{text.title}</h1>' in html
    paragraph = text.paragraphs.first()
    assert f'id="{paragraph.anchor}"' in html and 'class="chapter"' in html
    # Its meeting: the date to the meeting's page, the time and place, the other chapter.
    assert f'href="{meeting.get_absolute_url()}"' in html
    assert meeting.local_start.strftime("%H:%M") in html
    assert "Room 2, Central Library" in html
    assert f'href="{read_url(group, 16)}">chapter 16,' in html
    # Its questions, each to the group's page of it, with how many have answered.
    first_at = html.index(f'href="{question_url(group, first)}"')
    second_at = html.index(f'href="{question_url(group, second)}"')
    assert "2 members have answered" in html[first_at:second_at]
    assert "1 member has answered" in html[second_at:]


def test_only_the_groups_questions_on_this_chapter_are_listed(
    group, group_b, member, membership, meeting, questions
):
    own = groups.group_question_add(group=group, body="Our own on fifteen?", chapters=[])
    theirs = groups.group_question_add(group=group_b, body="Group B's on fifteen?", chapters=[])
    about(group, 15, [questions[3], own, theirs])
    about(group, 16, [questions[4]])
    html = page(logged_in(member).get(read_url(group, 15)))
    listed = re.findall(r'<li><a href="/groups/[^/]+/questions/(\d+)/"', html)
    assert listed == [str(questions[3].pk), str(own.pk)]  # the text's, then the group's
    assert "Group B's on fifteen" not in html
    assert "group question" in html


def test_no_answers_yet_says_so(group, member, membership, meeting, on_15):
    html = page(logged_in(member).get(read_url(group, 15)))
    assert html.count("No answers yet") == 2


def test_previous_and_next_go_through_the_groups_chapters(group, member, membership, meeting):
    plan_meeting(group, days=14, chapters=[19])
    cancelled = plan_meeting(group, days=21, chapters=[21])
    groups.meeting_cancel(meeting=cancelled)
    client = logged_in(member)
    # The group reads 15, 16 and 19 (21's meeting is off); 17 is the text's, not assigned.
    assert pager(page(client.get(read_url(group, 15)))) == {"next": read_url(group, 16)}
    assert pager(page(client.get(read_url(group, 16)))) == {
        "prev": read_url(group, 15),
        "next": read_url(group, 19),
    }
    assert pager(page(client.get(read_url(group, 19)))) == {"prev": read_url(group, 16)}
    unassigned = page(client.get(read_url(group, 17)))
    assert pager(unassigned) == {"prev": read_url(group, 16), "next": read_url(group, 19)}
    assert "No meeting of the group assigns this chapter" in unassigned
    off = page(client.get(read_url(group, 21)))
    assert f'href="{cancelled.get_absolute_url()}"' not in off


def test_every_meeting_that_assigns_it_is_listed(group, member, membership, meeting):
    again = plan_meeting(group, days=14, chapters=[15])
    html = page(logged_in(member).get(read_url(group, 15)))
    assert html.index(meeting.get_absolute_url()) < html.index(again.get_absolute_url())


def test_an_outsider_and_a_missing_chapter_are_not_found(
    group, outsider, group_b, member, membership
):
    assert logged_in(outsider).get(read_url(group, 15)).status_code == 404
    assert logged_in(member).get(read_url(group, 999)).status_code == 404
    response = logged_in(member).get(read_url(group_b, 15))
    assert response.status_code == 404


def test_a_visitor_is_sent_to_log_in(client, group):
    response = client.get(read_url(group, 15))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_done_here_is_the_tick_the_meeting_page_shows(group, member, membership, meeting):
    client = logged_in(member)
    html = page(client.get(read_url(group, 15)))
    assert 'aria-pressed="false"' in html[html.index("reading-for") :]
    action = mark_form(html)
    assert action == reverse("groups:mark", args=[group.slug, "chapter", chapter(group, 15).pk])

    # htmx: the button comes back pressed, in place.
    fragment = page(client.post(action, {"done": "on", "next": read_url(group, 15)}, headers=HTMX))
    assert fragment.lstrip().startswith("<form ") and 'aria-pressed="true"' in fragment
    assert ReadingMark.objects.filter(membership=membership, chapter__number=15).count() == 1
    meeting_page = page(client.get(meeting.get_absolute_url()))
    row = meeting_page[meeting_page.index(f'href="{read_url(group, 15)}"') :]
    assert 'aria-pressed="true"' in row[: row.index("</li>")]

    # Without JavaScript: the form posts and comes back here, unticked.
    response = client.post(action, {"next": read_url(group, 15)})
    assert response.url == read_url(group, 15)
    assert not ReadingMark.objects.filter(membership=membership).exists()
    assert 'aria-pressed="false"' in page(client.get(response.url))


def test_a_tick_on_the_meeting_page_shows_here(group, member, membership, meeting):
    client = logged_in(member)
    client.post(
        reverse("groups:mark", args=[group.slug, "chapter", chapter(group, 15).pk]),
        {"done": "on"},
    )
    html = page(client.get(read_url(group, 15)))
    assert 'aria-pressed="true"' in html[html.index("reading-for") :]
    assert 'aria-pressed="false"' in page(client.get(read_url(group, 16)))


def test_the_group_and_meeting_pages_link_their_chapters_here(group, member, membership, meeting):
    client = logged_in(member)
    for url in (group.get_absolute_url(), meeting.get_absolute_url()):
        html = page(client.get(url))
        assert f'href="{read_url(group, 15)}"' in html, url
        assert f'href="{read_url(group, 16)}"' in html, url
        assert f'href="{public_url(group, 15)}"' not in html, url


def test_the_public_page_leads_a_member_to_their_groups_reading(
    client, group, group_b, member, membership, outsider
):
    mine = page(logged_in(member).get(public_url(group, 15)))
    assert f'href="{read_url(group, 15)}"' in mine and group.name in mine
    assert f'href="{read_url(group_b, 15)}"' not in mine
    # The outsider reads the same text with group B: their link, not group A's.
    theirs = page(logged_in(outsider).get(public_url(group, 15)))
    assert f'href="{read_url(group_b, 15)}"' in theirs
    assert f'href="{read_url(group, 15)}"' not in theirs
    for stranger in (client, logged_in(make_user("nobody", "No Groups"))):
        html = page(stranger.get(public_url(group, 15)))
        assert "/read/" not in html and "group-reading" not in html
        assert '<h1 id="chapter-title">' in html  # the page itself is as before


def test_the_public_page_asks_nothing_of_a_visitor(client, group, django_assert_num_queries):
    client.get(public_url(group, 15))
    forget_kept()
    with django_assert_num_queries(3):  # the chapter, the contents, the paragraphs
        client.get(public_url(group, 15))
    with django_assert_num_queries(1):  # the chapter: the rest is kept for its revision
        assert "Tragedy in China" in page(client.get(public_url(group, 15)))


def test_the_question_page_shows_its_chapters_and_meetings(
    group, member, membership, meeting, on_15
):
    later = plan_meeting(group, days=14, chapters=[], questions=0)
    later.questions.set([on_15[0]])
    html = page(logged_in(member).get(question_url(group, on_15[0])))
    header = html[html.index('class="question-header"') :]
    header = header[: header.index("</header>")]
    assert f'href="{read_url(group, 15)}">chapter 15,' in header
    assert f'href="{public_url(group, 15)}"' not in header
    assert header.index(meeting.get_absolute_url()) < header.index(later.get_absolute_url())


def test_queries_stay_the_same_as_questions_and_answers_grow(
    group, member, membership, meeting, on_15, django_assert_num_queries
):
    client = logged_in(member)
    url = read_url(group, 15)
    small = count_queries(client, url)

    fifteen = chapter(group, 15)
    for n in range(4):
        groups.group_question_add(group=group, body=f"Our question {n}?", chapters=[fifteen])
    plan_meeting(group, days=14, chapters=[15, 17])
    plan_meeting(group, days=21, chapters=[18])
    for n in range(5):
        joined = Membership.objects.create(group=group, user=make_user(f"m{n}", f"Member {n}"))
        for question in group.questions().filter(chapters=fifteen):
            answer(joined, question)
    forget_kept()
    with django_assert_num_queries(small):
        html = page(client.get(url))
    assert html.count("5 members have answered") == 6
    # 12 before the margin; it adds its counts (one grouped query) and which questions the
    # member reads the others' answers on (answer-first, for the counts of citing posts);
    # the group's schedule, built on the first load after a change, adds 4, then none.
    assert small <= 16, f"the reading view runs {small} queries"
    with django_assert_num_queries(small - 4):
        client.get(url)


def test_a_retired_chapter_still_reads_in_the_group(group, member, membership, meeting):
    Chapter.objects.filter(pk=chapter(group, 16).pk).update(retired_at="2026-01-01T00:00Z")
    html = page(logged_in(member).get(read_url(group, 16)))
    assert "no longer part of the text" in html
