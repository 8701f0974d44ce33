"""Searching a group: the text's paragraphs, the group's questions, and the answers and
comments the member may read (never another group's, never hidden or deleted ones, never
what answer-first still keeps from them), each linking to its exact place; the box on every
group page, htmx results as one types, and queries that do not grow with the hits."""

import re

import pytest
from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from content.importer import text_import
from content.models import SEARCH_CONFIG, Paragraph, Question, search_vector
from studygroup.discussion import services
from studygroup.discussion.models import Answer, Comment
from studygroup.discussion.rules import questions_open_to
from studygroup.discussion.search import terms
from studygroup.groups import services as groups
from tests.support import HTMX, answer, comment, logged_in, page, question_url

pytestmark = pytest.mark.django_db

POSTGRES = connection.vendor == "postgresql"
pg_only = pytest.mark.skipif(not POSTGRES, reason="websearch syntax is PostgreSQL's")


def search_url(group, q: str | None = None) -> str:
    url = reverse("discussion:search", args=[group.slug])
    return f"{url}?q={q}" if q is not None else url


def found(client, group, q: str) -> str:
    response = client.get(search_url(group), {"q": q})
    assert response.status_code == 200
    return page(response)


def results(html: str) -> str:
    """The results partial only, as the page holds it."""
    start = html.index('id="search-results"')
    return html[start:]


def shanghai(group) -> Paragraph:
    return Paragraph.objects.select_related("chapter").get(
        chapter__text_id=group.text_id, body__contains="Shanghai and Hankow"
    )


def test_finds_a_paragraph_with_its_link_in_the_reading_view(group, member, membership):
    paragraph = shanghai(group)
    html = results(found(logged_in(member), group, "shanghai hankow"))
    url = reverse("discussion:read", args=[group.slug, paragraph.chapter.number])
    assert f'href="{url}#p{paragraph.position}"' in html
    assert f"¶{paragraph.reference}" in html
    assert re.search(r"<mark>Shanghai</mark>", html)


def test_finds_a_question_and_an_own_question(group, member, membership, question):
    own = groups.group_question_add(group=group, body="Was the quokkaist line wrong?")
    client = logged_in(member)
    html = results(found(client, group, "quokkaist"))
    assert f'href="{question_url(group, own)}"' in html and "<mark>quokkaist</mark>" in html
    word = max(question.body.split(), key=len).strip("?,.;:“”\"'()")
    html = results(found(client, group, word))
    assert f'href="{question_url(group, question)}"' in html


def test_finds_an_answer_and_a_comment_by_their_permalinks(
    group, member, membership, mia_membership, question
):
    mine = answer(membership, question, "The zebrafinch argument holds.")
    theirs = comment(mia_membership, mine, "Zebrafinch, but only in Canton.")
    html = results(found(logged_in(member), group, "zebrafinch"))
    assert f'href="{mine.get_absolute_url()}"' in html
    assert f'href="{theirs.get_absolute_url()}"' in html
    assert "Answers, comments &amp; notes" in html
    assert "Answer by Max Member" in html and "Comment by Mia Member" in html


def test_another_groups_posts_questions_and_texts_are_not_found(
    group, member, membership, elsewhere
):
    html = results(found(logged_in(member), group, "Group B's"))
    assert f"/answers/{elsewhere.answer.pk}/" not in html  # under any group's address
    assert f"#comment-{elsewhere.comment.pk}" not in html
    assert 'class="hit"' not in html  # "Nothing found"
    assert "Only for group B" not in results(found(logged_in(member), group, "group B"))
    text_import(slug="elsewhere", data=b"1. One\nThe xylophonic paragraph.\n")
    assert 'class="hit"' not in results(found(logged_in(member), group, "xylophonic"))


def test_hidden_and_deleted_posts_are_not_found(
    group, member, membership, mia_membership, facilitator, question
):
    theirs = answer(mia_membership, question, "Aardwolf is the word.")
    hidden = comment(mia_membership, theirs, "Aardwolf again, rudely.")
    gone = comment(mia_membership, theirs, "Aardwolf, since deleted.")
    services.post_hide(post=hidden, by=facilitator, reason="Rude")
    services.post_delete(post=gone, user=mia_membership.user)
    html = results(found(logged_in(member), group, "aardwolf"))
    assert theirs.get_absolute_url() in html
    assert hidden.get_absolute_url() not in html and "rudely" not in html
    assert gone.get_absolute_url() not in html and "since deleted" not in html
    assert "Hidden by a facilitator" not in html and "Deleted by its author" not in html
    # The facilitator finds the hidden one; nobody the deleted one; its author the hidden.
    fay = results(found(logged_in(facilitator), group, "aardwolf"))
    assert hidden.get_absolute_url() in fay and gone.get_absolute_url() not in fay
    mia = results(found(logged_in(mia_membership.user), group, "aardwolf"))
    assert hidden.get_absolute_url() in mia and gone.get_absolute_url() not in mia


def test_answer_first_hides_others_answers_and_their_comments_until_one_answers(
    answer_first, group, member, membership, mia_membership, fay_membership, facilitator, question
):
    theirs = answer(mia_membership, question, "Okapi thinking, all of it.")
    on_it = comment(fay_membership, theirs, "Okapi, you say?")
    client = logged_in(member)
    html = results(found(client, group, "okapi"))
    assert theirs.get_absolute_url() not in html and on_it.get_absolute_url() not in html
    assert "Okapi" not in html and "Answers, comments &amp; notes" not in html  # not even a count
    assert "Nothing found" in html
    assert question.pk not in questions_open_to(membership)

    answer(membership, question, "My own answer, no animals.")
    html = results(found(client, group, "okapi"))
    assert theirs.get_absolute_url() in html and on_it.get_absolute_url() in html


def test_answer_first_never_keeps_a_members_own_posts_nor_the_facilitators_view(
    answer_first, group, member, membership, mia_membership, facilitator, question
):
    theirs = answer(mia_membership, question, "Pangolin first.")
    # Mia answered: she sees her own; the facilitator sees it with no answer of theirs.
    assert theirs.get_absolute_url() in results(
        found(logged_in(mia_membership.user), group, "pangolin")
    )
    assert theirs.get_absolute_url() in results(found(logged_in(facilitator), group, "pangolin"))


def test_a_locked_question_is_open_to_all(
    answer_first, group, member, membership, mia_membership, facilitator, question
):
    answer(mia_membership, question, "Narwhal.")
    services.discussion_set(group=group, question=question, locked=True)
    assert question.pk in questions_open_to(membership)
    assert "Narwhal" in results(found(logged_in(member), group, "narwhal"))


def test_open_questions_is_one_query(answer_first, group, membership, questions):
    with CaptureQueriesContext(connection) as queries:
        open_ids = questions_open_to(membership)
    assert len(queries) == 1 and open_ids == set()
    membership.role = membership.Role.FACILITATOR
    assert questions_open_to(membership) == {q.pk for q in group.questions()}


def test_every_word_must_appear_in_any_case(group, member, membership, question):
    both = answer(membership, question, "The Walrus and the Carpenter.")
    html = results(found(logged_in(member), group, "WALRUS carpenter"))
    assert both.get_absolute_url() in html
    html = results(found(logged_in(member), group, "walrus oysters"))
    assert both.get_absolute_url() not in html


def test_a_quoted_phrase_and_an_exclusion(group, member, membership, mia_membership, question):
    phrase = answer(membership, question, "The permanent revolution was his answer.")
    apart = answer(mia_membership, question, "Revolution, but never permanent peace.")
    client = logged_in(member)
    html = results(found(client, group, '"permanent revolution"'))
    assert phrase.get_absolute_url() in html and apart.get_absolute_url() not in html
    html = results(found(client, group, "revolution -peace"))
    assert phrase.get_absolute_url() in html and apart.get_absolute_url() not in html
    # An exclusion alone finds nothing (not everything).
    assert 'class="hit"' not in results(found(client, group, "-peace"))


@pg_only
def test_postgres_matches_word_forms(group, member, membership, question):
    """Full text: "struggles" finds "struggle", ranked, from the english configuration."""
    post = answer(membership, question, "Their struggles were long.")
    html = results(found(logged_in(member), group, "struggle"))
    assert post.get_absolute_url() in html
    assert "<mark>struggles</mark>" in html


@pytest.mark.skipif(not POSTGRES, reason="the GIN indexes are PostgreSQL's")
@pytest.mark.parametrize("model", [Paragraph, Question, Answer, Comment])
def test_postgres_searches_through_the_gin_index(model):
    """The search's expression is the index's (one configuration everywhere)."""
    query = SearchQuery("revolution", search_type="websearch", config=SEARCH_CONFIG)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    # Without the models' default ordering (joins of its own, which the planner may walk
    # by another index): only the match, which only the GIN index can serve.
    rows = model.objects.alias(found=search_vector()).filter(found=query).order_by()
    plan = rows.values("pk").explain()
    assert f"{model._meta.model_name}_body_search" in plan


def test_the_fallback_reads_phrases_and_exclusions():
    assert terms('"a  phrase" word -not -"left out" or') == terms(
        '"a phrase" word -not -"left out"'
    )
    read = terms('"a  phrase" word -not -"left out"')
    assert read.include == ("a phrase", "word") and read.exclude == ("not", "left out")


def test_snippets_are_escaped_and_only_the_mark_is_markup(group, member, membership, question):
    answer(membership, question, "<script>alert(1)</script> ibexology <b>bold</b> <mark>x</mark>")
    html = results(found(logged_in(member), group, "ibexology"))
    assert "<script>" not in html and "<b>" not in html and "<mark>x</mark>" not in html
    assert "<mark>ibexology</mark>" in html
    if not POSTGRES:  # PostgreSQL's headline leaves the tags out before they are escaped
        assert "&lt;script&gt;" in html


def test_the_box_is_on_every_group_page_and_an_empty_query_shows_just_it(
    group, member, membership, meeting
):
    client = logged_in(member)
    for url in (
        reverse("discussion:group", args=[group.slug]),
        reverse("groups:members", args=[group.slug]),
        reverse("discussion:read", args=[group.slug, 15]),
    ):
        assert f'action="{search_url(group)}"' in page(client.get(url))
    html = page(client.get(search_url(group)))
    assert 'name="q"' in html and "Nothing found" not in html and 'class="hit"' not in html
    assert 'class="hit"' not in page(client.get(search_url(group, "")))


def test_an_htmx_request_gets_only_the_results(group, member, membership):
    response = logged_in(member).get(search_url(group), {"q": "shanghai"}, headers=HTMX)
    html = page(response)
    assert html.lstrip().startswith('<div id="search-results"')
    assert "<html" not in html and "<form" not in html and 'class="hit"' in html
    assert "HX-Request" in response["Vary"]
    # htmx restoring a page it pushed to the history gets the whole page.
    restore = {**HTMX, "HX-History-Restore-Request": "true"}
    whole = logged_in(member).get(search_url(group), {"q": "shanghai"}, headers=restore)
    assert "<html" in page(whole)


def test_outsiders_and_visitors(client, group, outsider, group_b, member, membership):
    assert logged_in(outsider).get(search_url(group, "x")).status_code == 404
    assert logged_in(member).get(search_url(group_b, "x")).status_code == 404
    response = client.get(search_url(group, "x"))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


def test_hits_are_capped_and_queries_do_not_grow_with_them(
    group, member, membership, mia_membership, fay_membership, questions
):
    client = logged_in(member)
    answer(membership, questions[0], "Quagga once.")

    def cost() -> tuple[int, int]:
        client.get(search_url(group, "quagga"))
        with CaptureQueriesContext(connection) as queries:
            html = page(client.get(search_url(group, "quagga")))
        return len(queries), html.count('class="hit"')

    few, shown_few = cost()
    for i, q in enumerate(questions[1:12]):
        for m in (membership, mia_membership, fay_membership):
            a = answer(m, q, f"Quagga {i} by {m.user.username}.")
            comment(m, a, "Quagga again.")
    many, shown_many = cost()
    assert shown_few == 1 and shown_many == 20  # answers and comments: capped
    assert many == few
