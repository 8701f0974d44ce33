"""Reading a chapter inside the group in a real browser: from the group's page to its reading
view, the member's tick, the group's next chapter, and citing a paragraph in an answer.

Each test drives one journey through the pages as a person would. What happened before
that journey (the group, its meetings, its questions on the chapter, an earlier answer) is set
up through the services, the same functions the views call, so every journey starts from a
known state.
"""

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from content.models import Chapter, Paragraph, Question
from studygroup.discussion import services as discussion
from studygroup.discussion.models import Answer
from studygroup.groups import services
from studygroup.groups.models import Membership
from tests.support import log_in, signed_in, user

LONDON = ZoneInfo("Europe/London")  # a new group's default time zone
CHINA = "15. Tragedy in China"
BONAPARTISM = "17. Proletarian Bonapartism"
ON_CHINA = "Why did the Comintern tie the Chinese party to the Kuomintang?"
ON_SHANGHAI = "What did the Shanghai massacre of 1927 show?"
MINE = "The passage says it plainly: the alliance disarmed the workers."


# Set-up -------------------------------------------------------------------------------------


@pytest.fixture
def meeting_day() -> date:
    return datetime.now(LONDON).date() + timedelta(days=7)


@pytest.fixture
def meeting(group, meeting_day):
    """Next week at 18:30, London time: chapter 15. The week after, chapter 17 (16 is the
    text's next chapter, not the group's)."""
    later = datetime.combine(meeting_day + timedelta(days=7), time(18, 30), tzinfo=LONDON)
    services.meeting_save(
        group=group,
        starts_at=later,
        ends_at=later + timedelta(minutes=90),
        chapters=[chapter(group, 17)],
    )
    starts = datetime.combine(meeting_day, time(18, 30), tzinfo=LONDON)
    return services.meeting_save(
        group=group,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=90),
        chapters=[chapter(group, 15)],
    )


@pytest.fixture
def questions(group) -> list[Question]:
    """The group's two questions on chapter 15."""
    return [
        services.group_question_add(group=group, body=body, chapters=[chapter(group, 15)])
        for body in (ON_CHINA, ON_SHANGHAI)
    ]


def chapter(group, number: int) -> Chapter:
    return Chapter.objects.get(text_id=group.text_id, number=number)


def paragraph(group, number: int, position: int) -> Paragraph:
    return chapter(group, number).paragraphs.get(position=position)


def read_url(live_server, group, number: int) -> str:
    return f"{live_server.url}/groups/{group.slug}/read/{number}/"


def done_button(page, number: int):
    return page.get_by_role("button", name=re.compile(rf"^Chapter {number}\b.*Done"))


def long_date(day: date) -> str:
    """The pages' "l j F" date: Tuesday 3 March."""
    return f"{day:%A} {day.day} {day:%B}"


def this_chapter(page, group):
    """The reading view's card: the meetings that assign the chapter and the member's tick."""
    return page.get_by_role("region", name=f"This chapter in {group.name}")


def chapter_questions(page):
    return page.get_by_role("region", name="Questions on this chapter").get_by_role("listitem")


def answer_by(page, name: str):
    return page.get_by_role("article", name=name, exact=True)


# Journeys -----------------------------------------------------------------------------------


@pytest.mark.parametrize("javascript", [True, False], ids=["htmx", "no-js"])
def test_member_reads_an_assigned_chapter_in_the_group_ticks_it_and_goes_on(
    new_page,
    live_server,
    django_user_model,
    group,
    member,
    meeting,
    meeting_day,
    questions,
    javascript,
):
    boris = user(django_user_model, "boris", "Boris Ivanov")
    discussion.answer_post(
        membership=Membership.objects.create(group=group, user=boris),
        question=questions[0],
        body="To keep the alliance, whatever it cost.",
    )
    page = new_page(java_script_enabled=javascript)
    log_in(page, live_server, "mo")
    page.get_by_role("link", name="Tuesday Readers").click()
    page.get_by_role("region", name="Up next").get_by_role("link", name=CHINA).click()

    expect(page).to_have_url(read_url(live_server, group, 15))
    expect(page.get_by_role("heading", level=1)).to_have_text("Tragedy in China")
    card = this_chapter(page, group)
    meeting_link = card.get_by_role("link", name=f"{long_date(meeting_day)} {meeting_day.year}")
    expect(meeting_link).to_be_visible()
    expect(card).to_contain_text("18:30–20:00")
    expect(chapter_questions(page)).to_have_text(
        [
            re.compile(rf"^{re.escape(ON_CHINA)} group question\s+1 member has answered$"),
            re.compile(rf"^{re.escape(ON_SHANGHAI)} group question\s+No answers yet$"),
        ]
    )

    done = done_button(card, 15)
    expect(done).to_have_attribute("aria-pressed", "false")
    if javascript:
        page.evaluate("window.stillThisPage = true")
        done.click()
        expect(done).to_have_attribute("aria-pressed", "true")
        assert page.evaluate("window.stillThisPage") is True  # swapped in place, no page load
    else:
        with page.expect_navigation():
            done.click()
        expect(done).to_have_attribute("aria-pressed", "true")
    expect(page).to_have_url(read_url(live_server, group, 15))
    expect(done).to_contain_text("✓")

    meeting_link.click()
    expect(page).to_have_url(f"{live_server.url}{meeting.get_absolute_url()}")
    expect(done_button(page, 15)).to_have_attribute("aria-pressed", "true")

    page.locator(".checklist").get_by_role("link", name=CHINA).click()
    expect(done_button(this_chapter(page, group), 15)).to_have_attribute("aria-pressed", "true")
    pager = page.get_by_role("navigation", name="The group's chapters")
    pager.get_by_role("link", name=re.compile(r"^Next for the group")).click()
    expect(page).to_have_url(read_url(live_server, group, 17))  # not 16: the group's next
    expect(page.get_by_role("heading", level=1)).to_have_text("Proletarian Bonapartism")
    expect(done_button(this_chapter(page, group), 17)).to_have_attribute("aria-pressed", "false")
    assert [m.chapter.number for m in Membership.objects.get(user=member).marks.all()] == [15]


@pytest.mark.parametrize("javascript", [True, False], ids=["htmx", "no-js"])
def test_member_cites_a_paragraph_in_an_answer_and_the_citation_leads_back_to_it(
    new_page, live_server, group, member, meeting, questions, javascript
):
    cited = paragraph(group, 15, 11)
    opening = cited.body[:60]
    page = new_page(java_script_enabled=javascript)
    signed_in(page, live_server, "mo")
    page.goto(read_url(live_server, group, 15))
    page.get_by_role("link", name="Cite ¶15.11 in an answer").click()

    expect(page).to_have_url(f"{read_url(live_server, group, 15)}?cite=15.11#questions")
    expect(page.get_by_role("status")).to_contain_text("Cite ¶15.11 in your answer")
    chapter_questions(page).get_by_role("link", name=ON_SHANGHAI).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(ON_SHANGHAI)
    box = page.get_by_label("Your answer", exact=True)
    expect(box).to_have_value(re.compile(rf"^> {re.escape(opening)}.* ¶15\.11\s*$", re.DOTALL))
    box.press("Control+End")
    box.press_sequentially(MINE)
    mine = answer_by(page, "Mo Member")
    if javascript:
        page.evaluate("window.stillThisPage = true")
        page.get_by_role("button", name="Post your answer").click()
        expect(mine).to_contain_text(MINE)
        assert page.evaluate("window.stillThisPage") is True  # posted in place, no page load
    else:
        with page.expect_navigation():
            page.get_by_role("button", name="Post your answer").click()
        expect(mine).to_contain_text(MINE)
    citation = mine.locator(".post-body").get_by_role("link", name="¶15.11").first
    expect(citation).to_be_visible()
    expect(citation).to_have_attribute("href", f"/groups/{group.slug}/read/15/#p11")
    expect(citation).to_have_attribute("title", re.compile(rf"^¶15\.11: “{re.escape(opening)}"))

    # The answer quotes the passage itself: it is shown once, not again in a "Quoted" box.
    expect(mine.get_by_text(opening)).to_have_count(1)
    expect(mine.locator("details.quoted")).to_have_count(0)

    citation.click()
    expect(page).to_have_url(f"{read_url(live_server, group, 15)}#p11")
    expect(page.get_by_role("heading", level=1)).to_have_text("Tragedy in China")
    expect(page.locator("#p11:target")).to_have_text(re.compile(rf"^{re.escape(opening)}"))
    expect(page.locator("#p11")).to_be_in_viewport()
    answer = Answer.objects.get(author=member)
    assert answer.question == questions[1]
    assert [c.paragraph for c in answer.citations.all()] == [cited]
