"""Citing a paragraph (issue 12, part 2): ``¶15.11`` or ``¶15.11-13`` in an answer or a
comment links to the paragraph in the group's reading view, with the passage as it was
quoted; the post's Citation rows follow its edits; a paragraph revised since it was quoted
says so; "Cite" in the reading view starts an answer with the passage quoted."""

import html as htmllib
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from content.models import Chapter, Paragraph, StudyText
from studygroup.discussion import services
from studygroup.discussion.citations import Reference, references
from studygroup.discussion.models import Citation
from tests.support import (
    PASSWORD,
    answer,
    article,
    comment,
    comments_shown,
    logged_in,
    page,
    question_url,
)
from tests.support import (
    url as discussion_url,
)

pytestmark = pytest.mark.django_db


def paragraph(group, number: int, position: int) -> Paragraph:
    return Paragraph.objects.get(
        chapter__text_id=group.text_id, chapter__number=number, position=position
    )


def read_url(group, number: int, position: int) -> str:
    return f"{reverse('discussion:read', args=[group.slug, number])}#p{position}"


def cited(post) -> list[str]:
    """The post's Citation rows, as references."""
    rows = Citation.objects.filter(**{post._meta.model_name: post}).select_related(
        "paragraph__chapter"
    )
    return sorted(c.paragraph.reference for c in rows)


def links(html: str) -> list[tuple[str, str]]:
    """(href, words) of each citation link in the markup."""
    return re.findall(r'<a href="([^"]+)" title="[^"]*" class="citation"[^>]*>([^<]+)</a>', html)


def textarea(html: str) -> str:
    found = re.search(r"<textarea[^>]*>(.*?)</textarea>", html, re.DOTALL)
    assert found, "the page has a text box"
    return htmllib.unescape(found[1]).strip()


def test_references_parse_singles_and_ranges_once_each():
    assert references(
        "As ¶15.11 says (and ¶15.11-13, ¶15.11–13), unlike ¶16.2. See ¶15.11 again."
    ) == [Reference(15, 11, 11), Reference(15, 11, 13), Reference(16, 2, 2)]
    # Not references: a range backwards or too long, a pilcrow alone, numbers without one.
    assert references("¶15.13-11 ¶15.1-99 ¶ 15.11 15.11 ¶15") == []


def test_an_answer_links_the_paragraphs_it_cites_and_keeps_them_as_quoted(
    group, membership, member, question
):
    mine = answer(membership, question, "As ¶15.11-13 shows, unlike ¶16.2.")
    assert cited(mine) == ["15.11", "15.12", "15.13", "16.2"]
    rows = {c.paragraph.reference: c.quoted for c in Citation.objects.filter(answer=mine)}
    assert rows["15.12"] == paragraph(group, 15, 12).body
    html = article(page(logged_in(member).get(question_url(group, question))), mine)
    assert links(html) == [
        (read_url(group, 15, 11), "¶15.11-13"),
        (read_url(group, 16, 2), "¶16.2"),
    ]
    # The passages, as quoted, open under the post without a script.
    quoted = html[html.index('<details class="quoted">') :]
    assert "<summary>Quoted: ¶15.11-13, ¶16.2</summary>" in quoted
    first_words = paragraph(group, 15, 12).body[:40]
    assert htmllib.escape(first_words, quote=False) in quoted
    # The link leads to the paragraph in the group's reading view.
    reading = page(logged_in(member).get(read_url(group, 15, 11).split("#")[0]))
    assert 'id="p11"' in reading and "¶15.11</a>" in reading


def test_a_comment_cites_too(group, membership, mia_membership, mia, question):
    theirs = answer(mia_membership, question)
    reply = comment(membership, theirs, "Compare ¶17.1.")
    assert cited(reply) == ["17.1"]
    (_, _, html), *_ = comments_shown(page(logged_in(mia).get(question_url(group, question))))
    assert links(html) == [(read_url(group, 17, 1), "¶17.1")]


def test_a_reference_to_no_paragraph_of_the_text_is_refused_with_the_text_kept(
    group, membership, member, question
):
    other = StudyText.objects.create(slug="other", title="Another text")
    chapter = Chapter.objects.create(text=other, number=99, title="Elsewhere")
    Paragraph.objects.create(chapter=chapter, position=1, body="Another text's words.")
    client = logged_in(member)
    for body, named in [
        ("Not ours: ¶99.1.", "¶99.1"),  # another text's paragraph
        ("Past the end: ¶15.999.", "¶15.999"),
        ("A range that runs off: ¶15.1-19 and ¶16.1", "¶15.1-19"),  # 15 has fewer
    ]:
        response = client.post(discussion_url("answer_create", group, question), {"body": body})
        html = page(response)
        assert response.status_code == 400 and f"{named}: no such paragraph" in html
        assert htmllib.escape(body, quote=False) in html, "the text stays in the form"
    assert not question.answers.exists() and not Citation.objects.exists()
    mine = answer(membership, question, "First ¶15.1.")
    with pytest.raises(services.DiscussionError, match=r"¶15\.999: no such paragraph"):
        services.post_edit(post=mine, user=member, body="Then ¶15.999.")
    assert cited(mine) == ["15.1"]


def test_code_and_link_words_are_not_citations(membership, question):
    mine = answer(membership, question, "`¶15.11` and [¶15.12](https://example.org)")
    assert cited(mine) == []
    assert "citation" not in mine.body_html


def test_editing_adds_and_removes_citations_and_a_kept_one_keeps_its_quote(
    group, membership, member, question
):
    mine = answer(membership, question, "¶15.11 and ¶15.12")
    p12 = paragraph(group, 15, 12)
    as_quoted = p12.body
    Paragraph.objects.filter(pk=p12.pk).update(body="The admin reworded this paragraph.")
    services.post_edit(post=mine, user=member, body="¶15.12 and ¶16.1, edited")
    assert cited(mine) == ["15.12", "16.1"]
    assert Citation.objects.get(answer=mine, paragraph=p12).quoted == as_quoted
    html = article(page(logged_in(member).get(question_url(group, question))), mine)
    assert [words for _, words in links(html)] == ["¶15.12", "¶16.1"]
    services.post_edit(post=mine, user=member, body="No citations now.")
    assert cited(mine) == []
    html = article(page(logged_in(member).get(question_url(group, question))), mine)
    assert links(html) == [] and "Quoted" not in html


def test_a_deleted_post_shows_and_keeps_no_citations(
    group, membership, mia_membership, member, question
):
    mine = answer(membership, question, "¶15.11")
    reply = comment(mia_membership, mine, "And ¶15.12")
    services.post_delete(post=reply, user=reply.author)
    services.post_delete(post=mine, user=member)
    assert Citation.objects.count() == 0
    html = page(logged_in(member).get(question_url(group, question)))
    assert "¶15.1" not in html and "citation" not in html
    # An answer that comes back quotes afresh.
    again = answer(membership, question, "Back: ¶15.13")
    assert cited(again) == ["15.13"]


def test_a_paragraph_revised_since_it_was_quoted_says_so(
    group, membership, mia_membership, member, question
):
    mine = answer(membership, question, "¶15.11 and ¶15.12")
    reply = comment(mia_membership, mine, "On ¶15.12")
    p11 = paragraph(group, 15, 11)
    as_quoted = p11.body
    client = logged_in(member)
    assert "Revised since" not in page(client.get(question_url(group, question)))
    Paragraph.objects.filter(pk=p11.pk).update(body="A corrected paragraph.")
    for url in (
        question_url(group, question),
        reverse("discussion:answer", args=[group.slug, mine.pk]),
    ):
        html = article(page(client.get(url)), mine)
        revised = html[html.index('<ul class="revised-since">') :]
        revised = revised[: revised.index("</ul>")]
        assert "Revised since" in revised and "¶15.11 has changed since it was quoted" in revised
        assert f'<a href="{read_url(group, 15, 11)}">Read ¶15.11 as it is now</a>' in revised
        assert "¶15.12" not in revised  # unchanged
        assert htmllib.escape(as_quoted[:40], quote=False) in html  # the quote, as it was
    # The comment's quote of ¶15.12 is as it is: no mark on it.
    (_, _, html), *_ = comments_shown(page(client.get(question_url(group, question))))
    assert "Revised since" not in html
    del reply


def test_the_reading_view_numbers_paragraphs_and_cite_starts_an_answer(
    group, membership, member, meeting
):
    questions = list(meeting.questions.all())
    for q in questions:
        q.chapters.add(Chapter.objects.get(text_id=group.text_id, number=15))
    client = logged_in(member)
    url = reverse("discussion:read", args=[group.slug, 15])
    html = page(client.get(url))
    assert 'href="#p11" aria-label="Link to paragraph 15.11">¶15.11</a>' in html
    assert f'<a class="cite" href="{url}?cite=15.11#questions">Cite' in html
    # Cite: which question's answer starts with it.
    html = page(client.get(f"{url}?cite=15.11"))
    assert 'Cite <a href="#p11">¶15.11</a> in your answer' in html
    start = f"{question_url(group, questions[0])}?cite=15.11#answer-form"
    assert f'href="{start}"' in html
    # The question's answer form starts with the passage quoted.
    body = paragraph(group, 15, 11).body
    assert textarea(page(client.get(start.split("#")[0]))) == f"> {body} ¶15.11"
    # Anything else starts empty.
    for bad in ("99.1", "15.999", "15.11-13", "x", "15.11<script>", ""):
        html = page(client.get(question_url(group, questions[0]), {"cite": bad}))
        assert textarea(html) == "", bad
    assert "in your answer" not in page(client.get(f"{url}?cite=16.1"))  # not this chapter


def test_a_passage_the_post_quotes_itself_is_not_quoted_again_under_it(
    group, membership, member, question
):
    body = paragraph(group, 15, 11).body
    mine = answer(membership, question, f"> {body} ¶15.11\n\nAnd so the alliance failed; ¶15.12")
    assert cited(mine) == ["15.11", "15.12"], "both cited, both kept as rows"
    html = article(page(logged_in(member).get(question_url(group, question))), mine)
    words = htmllib.escape(body[:60], quote=False)
    quoted = html[html.index('<details class="quoted">') :]
    assert words in html[: html.index('<details class="quoted">')], "in the post's own quote"
    assert words not in quoted, "and not again under it"
    assert "<summary>Quoted: ¶15.12</summary>" in quoted, "only what the post does not quote"


def test_no_cite_link_without_questions_on_the_chapter(group, membership, member, meeting):
    html = page(logged_in(member).get(reverse("discussion:read", args=[group.slug, 16])))
    assert "¶16.1</a>" in html and 'class="cite"' not in html


def _page_queries(client, url) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_question_page_asks_one_query_for_citations_however_many(
    group, membership, mia_membership, fay_membership, member, question
):
    plain = answer(membership, question, "No citations.")
    comment(mia_membership, plain, "None here either.")
    client = logged_in(member)
    url = question_url(group, question)
    without = _page_queries(client, url)
    theirs = answer(mia_membership, question, "¶15.1")
    with_one = _page_queries(client, url)
    # One query more once anything on the page cites: which quoted paragraphs changed since.
    assert with_one == without + 1
    answer(fay_membership, question, "¶15.2-9 and ¶16.1")
    for n in range(8):
        comment(membership, theirs, f"¶15.{n + 1} and ¶17.{n + 1}")
    Paragraph.objects.filter(pk=paragraph(group, 15, 3).pk).update(body="Changed.")
    assert _page_queries(client, url) == with_one
    assert page(client.get(url)).count("Revised since") >= 2


def test_an_account_erased_with_its_posts_leaves_no_citations(
    group, membership, mia_membership, member, question
):
    mine = answer(membership, question, "¶15.1")
    comment(membership, mine, "¶15.2")
    theirs = comment(mia_membership, mine, "¶15.3")
    logged_in(member).post(reverse("owndata:delete"), {"password": PASSWORD, "erase_posts": "on"})
    assert [c.comment_id for c in Citation.objects.all()] == [theirs.pk]


def test_cite_for_a_member_who_has_answered_adds_to_their_answer(
    group, membership, member, question
):
    mine = answer(membership, question, "My answer.")
    client = logged_in(member)
    html = page(client.get(question_url(group, question), {"cite": "15.11"}))
    edit = reverse("discussion:answer_edit", args=[group.slug, mine.pk])
    assert f'<a href="{edit}?cite=15.11">add ¶15.11 to your answer</a>' in html
    body = paragraph(group, 15, 11).body
    assert textarea(page(client.get(edit, {"cite": "15.11"}))) == f"My answer.\n\n> {body} ¶15.11"
    assert textarea(page(client.get(edit, {"cite": "99.1"}))) == "My answer."
    assert "to your answer</a>" not in page(
        client.get(question_url(group, question), {"cite": "x"})
    )


def test_latest_activity_quotes_the_post_not_the_passages_it_cites(
    group, membership, mia_membership, mia, question
):
    theirs = answer(mia_membership, question)
    comment(membership, theirs, "See ¶15.3.")
    comment(membership, theirs, "And ¶15.4.")
    html = page(logged_in(mia).get(question_url(group, question)))
    latest = html[html.index('<nav class="latest"') :]
    latest = latest[: latest.index("</nav>")]
    assert "See ¶15.3." in latest and "And ¶15.4." in latest
    assert "Quoted" not in latest and paragraph(group, 15, 3).body[:30] not in latest
