"""A reader's journey through the text in a real browser."""

import io
import re

import pytest
from playwright.sync_api import expect


def test_home_to_a_chapter_and_on_to_the_next(page, live_server, shipped_text):
    page.goto(live_server.url)
    expect(page.get_by_role("heading", level=2, name=shipped_text.title)).to_be_visible()

    page.get_by_role("link", name="Tragedy in China").click()
    expect(page).to_have_url(re.compile(r"/chapters/15/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Tragedy in China")
    expect(page.locator("figure.quotation").first.locator("cite")).to_have_text(
        "From Lenin to Stalin, page 44"
    )

    page.get_by_role("link", name=re.compile(r"^Next")).click()
    expect(page).to_have_url(re.compile(r"/chapters/16/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "The Defeat of the Joint Left Opposition"
    )
    page.get_by_role("link", name=re.compile(r"^Previous")).click()
    expect(page).to_have_url(re.compile(r"/chapters/15/$"))


def test_the_poem_keeps_its_lines(page, live_server, shipped_text):
    page.goto(f"{live_server.url}/texts/{shipped_text.slug}/chapters/20/")
    verse = page.locator("figure.verse blockquote")
    lines = verse.inner_text().split("\n")
    assert lines[0] == "“We thank you, Stalin!"
    assert lines[-1] == "And add your carcass to the rest!”"
    assert len(lines) == 12


def test_keyboard_reader_skips_to_content_and_follows_a_paragraph_link(
    page, live_server, shipped_text
):
    page.goto(f"{live_server.url}/texts/{shipped_text.slug}/chapters/15/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main$"))

    page.goto(f"{live_server.url}/texts/{shipped_text.slug}/chapters/15/#p7")
    expect(page.locator("#p7")).to_be_in_viewport()


def test_chapter_reads_on_a_phone_without_sideways_scrolling(phone_page, live_server, shipped_text):
    phone_page.goto(f"{live_server.url}/texts/{shipped_text.slug}/chapters/17/")
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    expect(phone_page.get_by_role("link", name=re.compile(r"^Next"))).to_be_visible()


@pytest.mark.parametrize("width", [600, 700])
def test_paragraph_numbers_stay_on_screen_at_middle_widths(page, live_server, shipped_text, width):
    # At 200 % zoom a laptop is this wide: the left margin cannot hold the numbers.
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}/texts/{shipped_text.slug}/chapters/15/")
    lefts = page.locator(".anchor").evaluate_all(
        "links => links.map(a => a.getBoundingClientRect().left)"
    )
    assert lefts and min(lefts) >= 0, lefts
    opacity = page.locator(".anchor").first.evaluate("a => getComputedStyle(a).opacity")
    assert opacity == "1", "full contrast when not in the margin"


def printed(page, paper: str = "A4") -> list[str]:
    """The page as Chromium prints it: the text of each sheet."""
    from pypdf import PdfReader

    return [sheet.extract_text() for sheet in PdfReader(io.BytesIO(page.pdf(format=paper))).pages]


def test_every_chapter_prints_without_a_blank_sheet_and_with_its_references(
    page, live_server, shipped_text
):
    for chapter in shipped_text.chapters.order_by("number"):
        page.goto(f"{live_server.url}/texts/{shipped_text.slug}/chapters/{chapter.number}/")
        sheets = printed(page, "Letter")  # chapter 17 ran onto a blank fifth sheet on Letter
        # No sheet blank, nor holding only a reference the page break tore from its passage.
        texts = [re.sub(r"¶\d+\.\d+", "", sheet).strip() for sheet in sheets]
        assert all(texts), f"a blank sheet in chapter {chapter.number}: {sheets}"
        assert f"¶{chapter.number}.1" in sheets[0], "the references are printed"
        assert "All chapters" not in "".join(sheets), "the screen's navigation is not"
