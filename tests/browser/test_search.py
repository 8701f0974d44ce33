"""Searching the group in a real browser: the box in the group's tabs, results as one types
(htmx, under the Content-Security-Policy) or on Search without JavaScript, and a hit that
leads to the very paragraph or post."""

import re

import pytest
from playwright.sync_api import expect

from content.models import Paragraph
from studygroup.discussion import services as discussion
from studygroup.groups.models import Membership
from tests.support import log_in


@pytest.mark.parametrize("javascript", [True, False], ids=["htmx", "no-js"])
def test_member_searches_from_the_tabs_and_opens_a_hit(
    new_page, live_server, group, member, javascript
):
    mine = discussion.answer_post(
        membership=Membership.objects.get(group=group, user=member),
        question=group.questions().first(),
        body="Hankow and the workers: the alliance disarmed them.",
    )
    paragraph = Paragraph.objects.select_related("chapter").get(
        chapter__text_id=group.text_id, body__contains="Shanghai and Hankow"
    )
    page = new_page(java_script_enabled=javascript)
    log_in(page, live_server, "mo")
    page.get_by_role("link", name="Tuesday Readers").click()
    page.get_by_role("searchbox", name="Search Tuesday Readers").fill("shanghai")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", level=1, name="Search Tuesday Readers")).to_be_visible()
    hits = page.locator("#search-results")
    expect(hits.get_by_role("link", name=f"¶{paragraph.reference}")).to_be_visible()

    box = page.get_by_role("searchbox", name="Search the text, the questions and the discussion")
    if javascript:  # typing is enough: the results follow, and the address with them
        box.fill("hankow")
        expect(hits.get_by_role("link", name="Answer by Mo Member")).to_be_visible()
        expect(page).to_have_url(re.compile(r"/search/\?q=hankow$"))
    else:
        box.fill("hankow")
        page.get_by_role("button", name="Search").click()
    expect(hits.locator("mark").first).to_have_text(re.compile("hankow", re.IGNORECASE))
    hits.get_by_role("link", name="Answer by Mo Member").click()
    expect(page).to_have_url(re.compile(rf"/answers/{mine.pk}/#answer-{mine.pk}$"))
    expect(page.locator(f"#answer-{mine.pk}")).to_contain_text("the alliance disarmed them")
