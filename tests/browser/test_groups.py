"""Study groups in a real browser: starting one, inviting, joining, meetings, ticks, calendar.

Each test drives one journey through the pages as a person would. What happened before
that journey (the group, its members, a planned meeting) is set up through the services,
the same functions the views call, so every journey starts from a known state.
"""

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from playwright.sync_api import expect

from content.models import Chapter, Question
from studygroup.groups import services
from studygroup.groups.models import JoinRequest, Meeting, Membership, StudyGroup
from tests.support import PASSWORD, log_in, signed_in, user

LONDON = ZoneInfo("Europe/London")  # a new group's default time zone
CHINA = "15. Tragedy in China"
OPPOSITION = "16. The Defeat of the Joint Left Opposition"


# Set-up -------------------------------------------------------------------------------------


@pytest.fixture
def group(facilitator, shipped_text):
    return services.group_create(
        user=facilitator,
        text=shipped_text,
        name="Tuesday Readers",
        join_policy=StudyGroup.JoinPolicy.OPEN,
    )


@pytest.fixture
def meeting_day() -> date:
    return datetime.now(LONDON).date() + timedelta(days=7)


@pytest.fixture
def meeting(group, meeting_day):
    """Next week at 18:30, London time: chapters 15 and 16 and the first two questions."""
    starts = datetime.combine(meeting_day, time(18, 30), tzinfo=LONDON)
    return services.meeting_save(
        group=group,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=90),
        chapters=Chapter.objects.filter(text=group.text, number__in=[15, 16]),
        questions=first_questions(group),
    )


def first_questions(group) -> list[Question]:
    return list(group.questions()[:2])


def invite_link(page, live_server, group) -> str:
    """As a facilitator: the link the invite page offers to copy."""
    page.goto(f"{live_server.url}/groups/{group.slug}/")
    page.get_by_role("link", name="Invite", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="Invite people")).to_be_visible()
    return page.locator("#invite-url").input_value()


def sign_up_from_invite(page, username: str, display_name: str) -> None:
    """On the join page an invite link opens: the "Create an account" form."""
    signup = page.get_by_role("region", name="New here? Create an account")
    signup.get_by_label("Username").fill(username)
    signup.get_by_label("Display name").fill(display_name)
    signup.get_by_label("Email").fill(f"{username}@example.org")
    signup.get_by_label(exactly("Password")).fill(PASSWORD)
    signup.get_by_label("Password confirmation").fill(PASSWORD)
    signup.get_by_role("button", name="Sign up and join").click()


def exactly(label: str) -> re.Pattern:
    """A field's label, which Django's label tag ends with a colon."""
    return re.compile(rf"^{re.escape(label)}:?$")


def done_button(page, number: int):
    return page.get_by_role("button", name=re.compile(rf"^Chapter {number}\b.*Done"))


def long_date(day: date) -> str:
    """The pages' "l j F" date: Tuesday 3 March."""
    return f"{day:%A} {day.day} {day:%B}"


def reading_progress(page):
    """The table of who has read what (the page may show other tables beside it)."""
    return page.get_by_role("region", name=re.compile(r"^Progress for ")).get_by_role("table")


def progress_cell(page, member_name: str, column: str):
    table = reading_progress(page)
    headers = table.locator("thead th").all_inner_texts()
    row = table.locator("tbody tr").filter(
        has=page.get_by_role("rowheader", name=member_name, exact=True)
    )
    return row.locator("td").nth(headers.index(column) - 1)


# Journeys -----------------------------------------------------------------------------------


def test_facilitator_starts_a_group_and_copies_its_invite_link(
    page, live_server, facilitator, shipped_text
):
    log_in(page, live_server, "fran")
    expect(page.get_by_text("You are not in a group yet.")).to_be_visible()
    page.get_by_role("link", name="Start a group").click()
    expect(page.get_by_role("heading", level=1, name="Start a study group")).to_be_visible()

    page.get_by_label(exactly("Name")).fill("Tuesday Readers")
    page.get_by_label("Study text").select_option(label=shipped_text.title)
    page.get_by_label("Anyone with the invite link joins at once").check()
    page.get_by_role("button", name="Create the group").click()

    expect(page.get_by_role("heading", level=1, name="Invite people")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Your group is ready.")
    expect(page.get_by_text("Anyone with it joins at once.")).to_be_visible()
    group = StudyGroup.objects.get(name="Tuesday Readers")
    assert group.join_policy == StudyGroup.JoinPolicy.OPEN
    assert Membership.objects.get(group=group).user == facilitator
    expect(page).to_have_url(f"{live_server.url}/groups/{group.slug}/invite/")

    link = page.locator("#invite-url").input_value()
    assert link == f"{live_server.url}/join/{group.invite_code}/"
    expect(page.get_by_label("Invite link", exact=True)).to_have_value(link)

    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    copy = page.get_by_role("button", name="Copy")
    copy.click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == link


def test_newcomer_signs_up_through_the_invite_link_and_is_in(page, new_page, live_server, group):
    signed_in(page, live_server, "fran")
    link = invite_link(page, live_server, group)

    newcomer = new_page()
    newcomer.goto(link)
    expect(newcomer.get_by_role("heading", level=1, name="Join Tuesday Readers")).to_be_visible()
    sign_up_from_invite(newcomer, "nina", "Nina Newcomer")

    expect(newcomer).to_have_url(f"{live_server.url}/groups/{group.slug}/")
    expect(newcomer.get_by_role("heading", level=1, name="Tuesday Readers")).to_be_visible()
    expect(newcomer.get_by_role("status")).to_have_text("Welcome to Tuesday Readers.")
    members = newcomer.get_by_role("region", name=re.compile(r"^Members"))
    expect(members.get_by_role("heading")).to_have_text("Members (2)")
    expect(members.get_by_role("listitem")).to_have_text(
        [re.compile(r"^Fran Facilitator\s+facilitator$"), "Nina Newcomer"]
    )

    # The facilitator sees the newcomer too.
    page.get_by_role("link", name="Tuesday Readers").click()
    expect(page.get_by_role("listitem").filter(has_text="Nina Newcomer")).to_be_visible()


def test_with_approval_on_a_facilitator_approves_a_newcomer(page, new_page, live_server, group):
    signed_in(page, live_server, "fran")
    invite_link(page, live_server, group)
    page.get_by_label("A facilitator approves each request").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("Invite settings saved.")
    expect(page.get_by_text("You approve each request.")).to_be_visible()
    expect(page.get_by_label("A facilitator approves each request")).to_be_checked()
    link = page.locator("#invite-url").input_value()

    newcomer = new_page()
    newcomer.goto(link)
    expect(newcomer.get_by_text("A facilitator will approve your request.")).to_be_visible()
    sign_up_from_invite(newcomer, "rosa", "Rosa Requester")
    expect(newcomer).to_have_url(f"{live_server.url}/dashboard/")
    # Said once, on the dashboard (not again in a message above it).
    expect(newcomer.get_by_text("Your request to join Tuesday Readers is")).to_have_count(1)
    expect(
        newcomer.get_by_text("Your request to join Tuesday Readers is waiting for a facilitator.")
    ).to_be_visible()
    expect(newcomer.get_by_role("heading", name="Tuesday Readers")).to_have_count(0)

    page.get_by_role("link", name="My groups").first.click()
    waiting = page.get_by_role("region", name="Waiting to join")
    expect(waiting).to_contain_text("Rosa Requester asks to join Tuesday Readers")
    waiting.get_by_role("button", name="Approve").click()
    expect(page.get_by_role("status")).to_have_text("Rosa Requester joined the group.")
    expect(page.get_by_role("region", name="Waiting to join")).to_have_count(0)
    assert JoinRequest.objects.get().state == JoinRequest.State.APPROVED

    newcomer.reload()
    expect(newcomer.get_by_role("heading", level=2, name="Tuesday Readers")).to_be_visible()
    expect(newcomer.get_by_text("is waiting for a facilitator")).to_have_count(0)
    newcomer.get_by_role("link", name="Tuesday Readers").click()
    expect(newcomer.get_by_role("heading", level=1, name="Tuesday Readers")).to_be_visible()


def test_facilitator_plans_a_meeting_with_chapters_and_questions(
    page, live_server, group, meeting_day
):
    questions = [q.body for q in first_questions(group)]
    log_in(page, live_server, "fran")
    page.get_by_role("link", name="Tuesday Readers").click()
    expect(page.get_by_role("region", name="Up next")).to_contain_text("No meeting planned yet.")
    page.get_by_role("link", name="Plan a meeting").click()
    expect(page.get_by_role("heading", level=1, name="Plan a meeting")).to_be_visible()
    # Every box the same size, those whose label wraps (the long questions) too.
    sizes = page.locator("fieldset input[type=checkbox]").evaluate_all(
        "boxes => boxes.map(b => Math.round(b.getBoundingClientRect().width))"
    )
    assert len(sizes) > 10 and len(set(sizes)) == 1, sizes

    page.get_by_label(exactly("Date")).fill(meeting_day.isoformat())
    page.get_by_label(exactly("Time")).fill("18:30")
    page.get_by_label(CHINA, exact=True).check()
    page.get_by_label(OPPOSITION, exact=True).check()
    for question in questions:
        page.get_by_label(question, exact=True).check()
    page.get_by_role("button", name="Plan the meeting").click()

    expect(page.get_by_role("status")).to_have_text("The meeting is planned.")
    expect(page).to_have_url(re.compile(rf"/groups/{group.slug}/meetings/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Meeting on {long_date(meeting_day)} {meeting_day.year}, 18:30"
    )
    expect(page.locator(".checklist").get_by_role("link")).to_have_text([CHINA, OPPOSITION])
    expect(page.locator(".meeting-questions li")).to_have_text(questions)
    meeting = group.meetings.get()
    assert meeting.starts_at == datetime.combine(meeting_day, time(18, 30), tzinfo=LONDON)

    page.get_by_role("link", name="Tuesday Readers").click()
    expect(page.get_by_role("region", name="Up next")).to_contain_text(
        f"{long_date(meeting_day)}, 18:30"
    )


def test_member_ticks_chapters_in_place_and_without_javascript(
    page, new_page, live_server, member, meeting, meeting_day
):
    log_in(page, live_server, "mo")
    card = page.get_by_role("region", name="Tuesday Readers")
    expect(card.locator(".up-next")).to_have_text(f"Up next: {long_date(meeting_day)}, 18:30")
    expect(card.get_by_role("link", name=CHINA)).to_be_visible()
    china = done_button(page, 15)
    expect(china).to_have_attribute("aria-pressed", "false")

    page.evaluate("window.stillThisPage = true")
    china.click()
    expect(china).to_have_attribute("aria-pressed", "true")
    expect(china).to_contain_text("✓")
    assert page.evaluate("window.stillThisPage") is True  # swapped in place, no page load
    expect(page).to_have_url(f"{live_server.url}/dashboard/")
    expect(done_button(page, 16)).to_have_attribute("aria-pressed", "false")
    marks = Membership.objects.get(user=member).marks
    assert [m.chapter.number for m in marks.all()] == [15]

    # Without JavaScript the same button posts its form and the page comes back.
    plain = new_page(java_script_enabled=False)
    log_in(plain, live_server, "mo")
    expect(done_button(plain, 15)).to_have_attribute("aria-pressed", "true")
    with plain.expect_navigation():
        done_button(plain, 16).click()
    expect(plain).to_have_url(f"{live_server.url}/dashboard/")
    expect(done_button(plain, 16)).to_have_attribute("aria-pressed", "true")
    expect(done_button(plain, 15)).to_have_attribute("aria-pressed", "true")
    assert sorted(m.chapter.number for m in marks.all()) == [15, 16]


def test_facilitator_sees_who_has_read_what(
    page, live_server, django_user_model, group, member, meeting
):
    other = user(django_user_model, "olga", "Olga Other")
    Membership.objects.create(group=group, user=other)
    mo = Membership.objects.get(group=group, user=member)
    services.mark_set(membership=mo, done=True, chapter=meeting.chapters.get(number=15))

    log_in(page, live_server, "fran")
    page.get_by_role("link", name="Tuesday Readers").click()
    page.get_by_role("link", name="Progress").click()
    expect(page.get_by_role("heading", level=1, name="Reading progress")).to_be_visible()
    table = reading_progress(page)
    expect(table.locator("thead th")).to_have_text(["Member", "Ch. 15", "Ch. 16"])
    expect(table.locator("tbody th")).to_have_text(["Fran Facilitator", "Mo Member", "Olga Other"])

    expect(progress_cell(page, "Mo Member", "Ch. 15")).to_have_text("✓done")
    for name in ["Fran Facilitator", "Mo Member", "Olga Other"]:
        expect(progress_cell(page, name, "Ch. 16")).not_to_contain_text("✓")
        expect(progress_cell(page, name, "Ch. 16")).to_have_text("not yet")
    for name in ["Fran Facilitator", "Olga Other"]:
        expect(progress_cell(page, name, "Ch. 15")).not_to_contain_text("✓")


def test_member_subscribes_to_the_calendar_feed(
    page, live_server, django_user_model, shipped_text, member, meeting, meeting_day
):
    # A meeting of a group Mo is not in stays out of Mo's calendar.
    stranger = user(django_user_model, "sam", "Sam Stranger")
    elsewhere = services.group_create(user=stranger, text=shipped_text, name="Elsewhere")
    services.meeting_save(
        group=elsewhere,
        starts_at=meeting.starts_at + timedelta(days=1),
        ends_at=meeting.ends_at + timedelta(days=1),
    )

    log_in(page, live_server, "mo")
    page.get_by_role("navigation", name="Site").get_by_role("link", name="Mo Member").click()
    expect(page.get_by_role("heading", level=1, name="Your profile")).to_be_visible()
    address = page.locator("#calendar-url").input_value()
    expect(page.get_by_label("Calendar address")).to_have_value(address)
    assert address == f"{live_server.url}/calendar/{member.calendar_token}.ics"

    response = page.request.get(address)
    assert response.ok
    assert response.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.body())
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    event = events[0]
    assert event.decoded("dtstart") == datetime.combine(meeting_day, time(18, 30), tzinfo=LONDON)
    assert event.decoded("dtend") - event.decoded("dtstart") == timedelta(minutes=90)
    assert str(event["summary"]) == "Tuesday Readers: study group meeting"
    description = str(event["description"])
    assert "Chapter 15. Tragedy in China" in description
    assert "Chapter 16. The Defeat of the Joint Left Opposition" in description
    assert first_questions(meeting.group)[0].body in description


def test_dashboard_and_group_page_fit_a_phone(new_page, live_server, member, meeting):
    phone = new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    log_in(phone, live_server, "mo")
    for where in ["dashboard", "group page"]:
        if where == "group page":
            phone.get_by_role("link", name="Tuesday Readers").click()
            expect(phone.get_by_role("heading", level=1, name="Tuesday Readers")).to_be_visible()
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the {where} scrolls sideways: {width}px wide"
        for number in [15, 16]:
            button = done_button(phone, number)
            expect(button).to_be_visible()
            box = button.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 390, f"{where}: {box}"


def test_members_table_fits_320_pixels(new_page, live_server, django_user_model, group, member):
    # 320 px: the narrowest phones, and a 1280 px window zoomed to 400 % (WCAG's reflow).
    long_name = "Maximiliane Featherstonehaugh-Cholmondeley"
    Membership.objects.create(group=group, user=user(django_user_model, "max", long_name))
    phone = new_page(viewport={"width": 320, "height": 640}, is_mobile=True, has_touch=True)
    signed_in(phone, live_server, "fran")
    phone.goto(f"{live_server.url}/groups/{group.slug}/members/")
    table = phone.get_by_role("table")
    expect(table.get_by_role("row")).to_have_count(4)  # the heading row and three members
    expect(table.get_by_role("button", name=f"Remove {long_name}")).to_be_visible()

    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, f"the members page scrolls sideways: {width}px wide"
    for button in table.get_by_role("button").all():
        box = button.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 320, box


# Beyond the acceptance list: a journey the tests above led to. ------------------------------


def test_facilitator_moves_a_meeting_to_later_that_evening(page, live_server, meeting, meeting_day):
    log_in(page, live_server, "fran")
    page.get_by_role("link", name=f"{long_date(meeting_day)}, 18:30").click()  # "Up next"
    page.get_by_role("link", name="Edit the meeting").click()
    expect(page.get_by_role("heading", level=1, name="Edit the meeting")).to_be_visible()
    assert page.get_by_label(exactly("Date")).input_value() == meeting_day.isoformat()
    expect(page.get_by_label(exactly("Time"))).to_have_value("18:30")
    expect(page.get_by_label(CHINA, exact=True)).to_be_checked()

    page.get_by_label(exactly("Time")).fill("19:00")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("Saved.")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Meeting on {long_date(meeting_day)} {meeting_day.year}, 19:00"
    )


@pytest.mark.parametrize("javascript", [True, False], ids=["dialog", "no-js"])
def test_cancelling_a_meeting_asks_first(new_page, live_server, meeting, javascript):
    page = new_page(java_script_enabled=javascript)
    signed_in(page, live_server, "fran")
    page.goto(f"{live_server.url}{meeting.get_absolute_url()}")
    if javascript:
        page.once("dialog", lambda dialog: dialog.dismiss())  # "no": nothing happens
        page.get_by_role("button", name="Cancel this meeting").click()
        expect(page.get_by_role("button", name="Cancel this meeting")).to_be_visible()
        assert Meeting.objects.scheduled().filter(pk=meeting.pk).exists()
        page.once("dialog", lambda dialog: dialog.accept())
        page.get_by_role("button", name="Cancel this meeting").click()
    else:
        page.get_by_role("button", name="Cancel this meeting").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Cancel this meeting?")
        assert Meeting.objects.scheduled().filter(pk=meeting.pk).exists(), "the first click asks"
        page.get_by_role("button", name="Cancel the meeting").click()
    expect(page.get_by_role("status")).to_have_text("The meeting is cancelled.")
    assert not Meeting.objects.scheduled().filter(pk=meeting.pk).exists()


# Issue 13: a cancelled meeting as the members hear of it, and who is coming. ----------------


def calendar_address(page) -> str:
    """As a member: the private calendar address the profile page offers."""
    page.get_by_role("navigation", name="Site").get_by_role("link", name="Mo Member").click()
    expect(page.get_by_role("heading", level=1, name="Your profile")).to_be_visible()
    return page.locator("#calendar-url").input_value()


def calendar_event(page, address: str, meeting):
    """The meeting's event in the feed at ``address``, as a subscribed calendar reads it."""
    response = page.request.get(address)
    assert response.ok
    events = Calendar.from_ical(response.body()).walk("VEVENT")
    return next(e for e in events if str(e["uid"]) == f"meeting-{meeting.pk}@studygroup")


def test_members_hear_of_a_cancelled_meeting_and_their_calendars_drop_it(
    page, new_page, live_server, member, meeting
):
    mo = new_page()
    log_in(mo, live_server, "mo")
    address = calendar_address(mo)
    before = calendar_event(mo, address, meeting)
    assert "status" not in before

    signed_in(page, live_server, "fran")
    page.goto(f"{live_server.url}{meeting.get_absolute_url()}")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Cancel this meeting").click()
    expect(page.get_by_role("status")).to_have_text("The meeting is cancelled.")

    new_page.allow(r"\b410\b")  # the cancelled meeting's page says Gone, as the browser logs
    bell = mo.get_by_role("navigation", name="Site").get_by_role(
        "link", name=re.compile(r"^Notifications")
    )
    mo.reload()
    expect(bell).to_have_accessible_name("Notifications 2 unread")  # planned, then off
    bell.click()
    told = f"Meeting on {meeting.local_start:%a %d %b, %H:%M} cancelled"
    mo.get_by_role("button", name=told).click()
    expect(mo).to_have_url(f"{live_server.url}{meeting.get_absolute_url()}")
    expect(mo.get_by_role("heading", level=1)).to_have_text(
        f"The meeting on {long_date(meeting.local_start)} {meeting.local_start.year}, 18:30 "
        "was cancelled"
    )
    expect(mo.get_by_role("link", name="See what is planned next")).to_be_visible()

    after = calendar_event(mo, address, meeting)
    assert str(after["status"]) == "CANCELLED"
    assert int(after["sequence"]) > int(before["sequence"])
    assert str(after["summary"]).startswith("Cancelled: ")


def attendance_button(page, name: str):
    """One of the meeting page's "Are you coming?" choices: "Going", "Can't make it"."""
    choices = page.get_by_role("group", name="Are you coming?")
    return choices.get_by_role("button", name=name, exact=True)


@pytest.mark.parametrize("javascript", [True, False], ids=["htmx", "no-js"])
def test_member_says_going_then_cant_make_it_and_the_facilitator_counts(
    page, new_page, live_server, django_user_model, group, member, meeting, meeting_day, javascript
):
    olga = Membership.objects.create(group=group, user=user(django_user_model, "olga", "Olga"))
    services.attendance_set(membership=olga, meeting=meeting, going=True)

    mo = new_page(java_script_enabled=javascript)
    log_in(mo, live_server, "mo")
    mo.get_by_role("link", name=f"{long_date(meeting_day)}, 18:30").click()  # "Up next"
    expect(mo).to_have_url(f"{live_server.url}{meeting.get_absolute_url()}")
    going, not_going = attendance_button(mo, "Going"), attendance_button(mo, "Can't make it")
    expect(going).to_have_attribute("aria-pressed", "false")
    expect(not_going).to_have_attribute("aria-pressed", "false")
    if javascript:
        mo.evaluate("window.stillThisPage = true")
    for choice, other in [(going, not_going), (not_going, going)]:
        if javascript:
            choice.click()
        else:
            with mo.expect_navigation():
                choice.click()
        expect(choice).to_have_attribute("aria-pressed", "true")
        expect(other).to_have_attribute("aria-pressed", "false")
    if javascript:
        assert mo.evaluate("window.stillThisPage") is True  # swapped in place, no page load
    expect(mo).to_have_url(f"{live_server.url}{meeting.get_absolute_url()}")
    expect(mo.get_by_text("1 going")).to_have_count(0)  # the count is the facilitators'

    signed_in(page, live_server, "fran")
    page.goto(f"{live_server.url}{meeting.get_absolute_url()}")
    expect(page.locator("form.attendance")).to_contain_text("1 going, 1 can't make it")


def test_a_member_prints_the_meeting_pack(page, live_server, group, member, meeting):
    """From the meeting's page to the pack, printed: the chapters with their references,
    the questions and the discussion, with dates as dates, and no blank sheet."""
    from studygroup.discussion import services as discussion
    from tests.browser.test_reading import printed

    question = meeting.questions.first()
    discussion.answer_post(
        membership=Membership.objects.get(group=group, user=member),
        question=question,
        body="The alliance was the *policy*; silence inside it was its price.",
    )
    signed_in(page, live_server, "mo")
    page.goto(f"{live_server.url}{meeting.get_absolute_url()}")
    page.get_by_role("link", name="The meeting pack").click()
    expect(page.get_by_role("heading", level=1, name=re.compile(r"^Meeting on "))).to_be_visible()
    expect(page.get_by_role("heading", name=question.body)).to_be_visible()

    sheets = printed(page)
    assert all(sheet.strip() for sheet in sheets), "no blank sheet"
    assert len(sheets) >= 6, "the chapters and each question start a sheet of their own"
    whole = "\n".join(sheets)
    assert "¶15.1" in whole and "¶16.1" in whole, "the references are printed"
    assert "silence inside it was its price" in " ".join(whole.split())
    assert "ago" not in whole, "times are printed as dates"
    assert "My groups" not in whole and "Log out" not in whole, "not the site's navigation"
