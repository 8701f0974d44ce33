"""The margin of the group's reading view in a real browser: opening a paragraph's notes beside
it (in place with htmx, as a page without JavaScript), writing a note and replying to one,
finding a note with the group's search, and another member seeing the notes and replying.

What came before a journey (the group, its members, a note or an answer already there) is set
up through the services, the same functions the views call.
"""

import re

import pytest
from playwright.sync_api import expect

from content.models import Paragraph
from studygroup.discussion import services as discussion
from studygroup.discussion.models import Note
from studygroup.groups.models import Membership
from tests.support import signed_in, user

# A word no paragraph of the shipped text holds, so the search finds the note alone.
MINE = "The alliance was a quagmire from the start: the workers paid for it."
WORD = "quagmire"
REPLY = "A quagmire the party walked into with its eyes open."


# Set-up -------------------------------------------------------------------------------------


@pytest.fixture
def paragraph(group) -> Paragraph:
    """¶15.2, the paragraph every journey here writes beside."""
    return Paragraph.objects.select_related("chapter").get(
        chapter__text_id=group.text_id, chapter__number=15, position=2
    )


def read_url(live_server, group) -> str:
    return f"{live_server.url}/groups/{group.slug}/read/15/"


def margin_url(live_server, group) -> str:
    return f"{live_server.url}/groups/{group.slug}/read/15/notes/2/"


def margin_link(page, counts: str):
    """The link after ¶15.2: "Note", "1 note", … (its hidden words name the paragraph)."""
    return page.locator("#margin-p2").get_by_role("link", name=f"{counts} on ¶15.2", exact=True)


def note_by(margin, name: str):
    """The notes in the margin by one member (the thread's items are ``li.comment``)."""
    return margin.locator("ol.thread > li.comment").filter(
        has=margin.page.locator(".post-meta strong", has_text=name)
    )


# Journeys -----------------------------------------------------------------------------------


def test_member_opens_the_margin_in_place_writes_a_note_and_finds_it_with_search(
    page, live_server, group, member, paragraph
):
    signed_in(page, live_server, "mo")
    page.goto(read_url(live_server, group))
    expect(page.get_by_role("heading", level=1)).to_have_text("Tragedy in China")
    page.evaluate("window.stillThisPage = true")

    margin_link(page, "Note").click()
    margin = page.locator("section.margin.open#margin-p2")
    expect(margin.get_by_role("heading", name="Notes on ¶15.2")).to_be_visible()
    expect(margin).to_contain_text("No notes on this paragraph yet")
    # Beside its paragraph, in place of the link: the same page at the same address.
    expect(page.locator("#p2 + #margin-p2")).to_have_count(1)
    expect(page).to_have_url(read_url(live_server, group))

    form = margin.locator("form#note-on-p2")
    expect(form).to_be_visible()  # the box is open: there are no notes yet
    form.get_by_label("Your note").fill(MINE)
    form.get_by_role("button", name="Add the note").click()

    mine = note_by(margin, "Mo Member")
    expect(mine).to_contain_text(MINE)
    note = Note.objects.get(author=member)
    assert (note.paragraph_id, note.body) == (paragraph.pk, MINE)
    expect(mine).to_have_attribute("id", f"note-{note.pk}")
    expect(margin.get_by_label("Your note")).to_have_value("")  # a fresh form for the next
    assert page.evaluate("window.stillThisPage") is True  # posted in place, no page load

    margin.get_by_role("link", name="Close the notes on ¶15.2").click()
    expect(page.locator("section#margin-p2")).to_have_count(0)
    expect(margin_link(page, "1 note")).to_be_visible()
    expect(page.locator("#margin-p2")).to_have_class(re.compile(r"\bmarked\b"))
    assert page.evaluate("window.stillThisPage") is True
    expect(page).to_have_url(read_url(live_server, group))

    page.get_by_role("searchbox", name="Search Tuesday Readers").fill(WORD)
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="Search Tuesday Readers")).to_be_visible()
    hits = page.locator("#search-results")
    found = page.get_by_role("region", name=re.compile(r"^Answers, comments & notes"))
    expect(found.get_by_role("listitem")).to_have_count(1)
    hit = found.get_by_role("link", name="Note by Mo Member on ¶15.2")
    expect(hit).to_be_visible()
    expect(found).to_contain_text("15. Tragedy in China")
    expect(hits.locator("mark").first).to_have_text(re.compile(WORD, re.IGNORECASE))

    hit.click()
    expect(page).to_have_url(f"{margin_url(live_server, group)}#note-{note.pk}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Notes on ¶15.2")
    expect(page.locator(f"#note-{note.pk}:target")).to_contain_text(MINE)


def test_without_javascript_the_margin_is_a_page_a_note_and_a_reply_are_posted_there(
    new_page, live_server, group, member, paragraph
):
    page = new_page(java_script_enabled=False)
    signed_in(page, live_server, "mo")
    page.goto(read_url(live_server, group))

    margin_link(page, "Note").click()
    expect(page).to_have_url(margin_url(live_server, group))
    expect(page.get_by_role("heading", level=1)).to_have_text("Notes on ¶15.2")
    expect(page.locator("blockquote.margin-passage")).to_contain_text(paragraph.body[:60])
    form = page.locator("form#note-on-p2")
    form.get_by_label("Your note").fill(MINE)
    with page.expect_navigation():
        form.get_by_role("button", name="Add the note").click()

    note = Note.objects.get(author=member)
    expect(page).to_have_url(f"{margin_url(live_server, group)}#note-{note.pk}")
    expect(page.locator(f"#note-{note.pk}")).to_contain_text(MINE)
    expect(page.get_by_text("No notes on this paragraph yet")).to_have_count(0)

    page.locator(f"#note-{note.pk}").get_by_role("link", name="Reply to Mo Member").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your reply")
    expect(page.locator("blockquote.quoted")).to_contain_text(MINE)
    page.get_by_label("Your reply").fill(REPLY)
    with page.expect_navigation():
        page.get_by_role("button", name="Reply", exact=True).click()

    reply = Note.objects.get(parent=note)
    assert (reply.author, reply.paragraph_id, reply.body) == (member, paragraph.pk, REPLY)
    expect(page).to_have_url(f"{margin_url(live_server, group)}#note-{reply.pk}")
    shown = page.locator(f"#note-{reply.pk}")
    expect(shown).to_contain_text(REPLY)
    expect(shown).to_have_class(re.compile(r"\bindent-1\b"))  # under the note it answers
    expect(page.locator(f"#note-{note.pk}")).to_have_class(re.compile(r"\bindent-0\b"))
    expect(page.locator("ol.thread > li.comment")).to_have_count(2)

    page.get_by_role("link", name="read it in the chapter").click()
    expect(margin_link(page, "2 notes")).to_be_visible()


def test_another_member_sees_the_note_and_its_citation_and_replies_in_place(
    page, live_server, django_user_model, group, member, paragraph
):
    mine = discussion.note_post(
        membership=Membership.objects.get(group=group, user=member),
        paragraph=paragraph,
        body=MINE,
    )
    boris = user(django_user_model, "boris", "Boris Ivanov")
    Membership.objects.create(group=group, user=boris)
    cited_by = discussion.answer_post(
        membership=Membership.objects.create(
            group=group, user=user(django_user_model, "rosa", "Rosa Reader")
        ),
        question=group.questions().first(),
        body="As ¶15.2 has it, the alliance came first.",
    )
    assert [c.paragraph for c in cited_by.citations.all()] == [paragraph]

    signed_in(page, live_server, "boris")
    page.goto(read_url(live_server, group))
    margin_link(page, "1 note · cited in 1").click()
    margin = page.locator("section.margin.open#margin-p2")
    expect(margin.get_by_role("heading", name="Notes on ¶15.2")).to_be_visible()
    theirs = note_by(margin, "Mo Member")
    expect(theirs).to_have_attribute("id", f"note-{mine.pk}")
    expect(theirs).to_contain_text(MINE)
    # Another's note: Boris may reply to it, not edit or delete it.
    expect(theirs.get_by_role("link", name="Reply to Mo Member")).to_be_visible()
    expect(theirs.get_by_role("link", name=re.compile(r"^(Edit|Delete)"))).to_have_count(0)
    expect(theirs.get_by_role("button", name=re.compile(r"^(Edit|Delete)"))).to_have_count(0)
    citing = margin.locator("ul.margin-citing")
    expect(
        citing.get_by_role("link", name=re.compile(r"^Answer by Rosa Reader to "))
    ).to_have_attribute("href", cited_by.get_absolute_url())
    # A note's form is there for Boris too, folded: the paragraph has notes already.
    expect(margin.locator("details.comment-box")).not_to_have_attribute("open", "")
    expect(margin.locator("form#note-on-p2")).to_be_hidden()

    # He replies in place: the form comes where the link was, the margin swaps with his reply.
    page.evaluate("window.stillThisPage = true")
    theirs.get_by_role("link", name="Reply to Mo Member").click()
    box = margin.get_by_label("Your reply")
    box.fill(REPLY)
    margin.get_by_role("button", name="Reply", exact=True).click()
    his = note_by(margin, "Boris Ivanov")
    expect(his).to_contain_text(REPLY)
    reply = Note.objects.get(parent=mine)
    assert (reply.author, reply.paragraph_id) == (boris, paragraph.pk)
    expect(his).to_have_attribute("id", f"note-{reply.pk}")
    expect(his).to_have_class(re.compile(r"\bindent-1\b"))
    margin.get_by_role("link", name="Close the notes on ¶15.2").click()
    expect(margin_link(page, "2 notes · cited in 1")).to_be_visible()
    assert page.evaluate("window.stillThisPage") is True
    expect(page).to_have_url(read_url(live_server, group))
