"""The reading pages: what a visitor sees, and a query count that does not grow with content."""

import pytest
from django.urls import reverse

from content.importer import text_import
from content.models import Chapter, Paragraph, Question, ReadingItem, StudyText

pytestmark = pytest.mark.django_db


def chapter_url(slug: str, number: int) -> str:
    return reverse("content:chapter", args=[slug, number])


def test_home_lists_the_table_of_contents(client, shipped_text):
    response = client.get("/")
    assert response.status_code == 200
    page = response.content.decode()
    assert shipped_text.title in page
    for chapter in shipped_text.chapters.all():
        assert chapter_url(shipped_text.slug, chapter.number) in page
        assert chapter.title in page or chapter.title.replace("’", "&#x27;") in page
    assert reverse("content:questions", args=[shipped_text.slug]) in page
    assert reverse("content:reading_list", args=[shipped_text.slug]) in page


def test_home_without_texts_says_so(no_texts, client):
    response = client.get("/")
    assert response.status_code == 200
    assert "No study texts yet" in response.content.decode()


def test_text_page_shows_contents(client, shipped_text):
    response = client.get(reverse("content:text", args=[shipped_text.slug]))
    assert response.status_code == 200
    assert "Proletarian Bonapartism" in response.content.decode()


def test_chapter_page_typography(client, shipped_text):
    response = client.get(chapter_url(shipped_text.slug, 20))
    assert response.status_code == 200
    page = response.content.decode()
    assert '<h1 id="chapter-title">Rivers of Blood</h1>' in page
    # Quotations as block quotes with their citation.
    assert "<blockquote><p>“Stalin acted not through persuasion" in page
    assert "<cite>Quoted in The Moscow Trials, pages 17, 18</cite>" in page
    # The poem: one verse block, its lines kept apart.
    assert page.count('class="verse"') == 1
    assert "“We thank you, Stalin!<br>Sixteen scoundrels,<br>" in page
    # Every paragraph has a stable anchor.
    count = Paragraph.objects.filter(chapter__number=20).count()
    for position in (1, count):
        assert f'id="p{position}"' in page
        assert f'href="#p{position}"' in page
    # Previous and next chapter.
    assert f'rel="prev" href="{chapter_url(shipped_text.slug, 19)}"' in page
    assert f'rel="next" href="{chapter_url(shipped_text.slug, 21)}"' in page


def test_first_and_last_chapter_links(client, shipped_text):
    first = client.get(chapter_url(shipped_text.slug, 15)).content.decode()
    assert 'rel="prev"' not in first
    last = client.get(chapter_url(shipped_text.slug, 21)).content.decode()
    assert 'rel="next"' not in last
    assert reverse("content:questions", args=[shipped_text.slug]) in last


def test_questions_page(client, shipped_text):
    question = Question.objects.get(text=shipped_text, position=1)
    question.chapters.add(Chapter.objects.get(text=shipped_text, number=15))
    response = client.get(reverse("content:questions", args=[shipped_text.slug]))
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('class="question-body"') == 6
    assert "What are the tasks of a new revolution in Russia today?" in page
    assert f'href="{chapter_url(shipped_text.slug, 15)}">chapter 15</a>' in page


def test_reading_list_page(client, shipped_text):
    response = client.get(reverse("content:reading_list", args=[shipped_text.slug]))
    assert response.status_code == 200
    page = response.content.decode()
    assert page.index("Introductory") < page.index("Further study")
    assert '<span class="reading-title">Rise and Fall of the Communist International</span>' in page
    assert '<p class="reading-note">Covers the issues fully</p>' in page
    assert '<span class="reading-reference">Chapter 8 p115-145 and chapter 9</span>' in page
    assert '<span class="reading-author">by Grand and Taaffe</span>' in page


@pytest.mark.parametrize(
    "url",
    [
        "/texts/no-such-text/",
        "/texts/no-such-text/chapters/15/",
        "/texts/russian-revolution-part-2/chapters/99/",
        "/texts/russian-revolution-part-2/chapters/99999999999999999999/",
        "/texts/russian-revolution-part-2/chapters/3000000000/",  # past a 32-bit column
        "/texts/no-such-text/questions/",
        "/texts/no-such-text/reading/",
    ],
)
def test_unknown_things_are_404(client, shipped_text, url):
    assert client.get(url).status_code == 404


def test_pages_refuse_writes(client, shipped_text):
    assert client.post(chapter_url(shipped_text.slug, 15)).status_code == 405


def grow(text: StudyText, extra_chapters: int, paragraphs_each: int) -> None:
    """Make the text much bigger: more chapters, paragraphs, questions and readings."""
    top = text.chapters.order_by("-number").first().number
    for n in range(1, extra_chapters + 1):
        chapter = Chapter.objects.create(text=text, number=top + n, title=f"Extra {n}")
        Paragraph.objects.bulk_create(
            Paragraph(chapter=chapter, position=p, body=f"Paragraph {p}.")
            for p in range(1, paragraphs_each + 1)
        )
        question = Question.objects.create(text=text, position=100 + n, body=f"Why {n}?")
        question.chapters.add(chapter, text.chapters.get(number=15))
        ReadingItem.objects.create(
            text=text, level=ReadingItem.Level.FURTHER, position=100 + n, title=f"Book {n}"
        )
    # Chapter 15 grows too.
    Paragraph.objects.bulk_create(
        Paragraph(chapter=text.chapters.get(number=15), position=1000 + p, body="More.")
        for p in range(paragraphs_each)
    )


PAGES = [
    ("home", lambda slug: "/"),
    ("text", lambda slug: reverse("content:text", args=[slug])),
    ("chapter", lambda slug: chapter_url(slug, 15)),
    ("questions", lambda slug: reverse("content:questions", args=[slug])),
    ("reading", lambda slug: reverse("content:reading_list", args=[slug])),
]


@pytest.mark.parametrize(("name", "url"), PAGES)
def test_queries_stay_flat_as_content_grows(
    client, shipped_text, name, url, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        assert client.get(url(shipped_text.slug)).status_code == 200
    grow(shipped_text, extra_chapters=20, paragraphs_each=50)
    text_import(slug="second-text", data=b"1. One\nA paragraph.\n")
    with django_assert_num_queries(len(small)):
        assert client.get(url(shipped_text.slug)).status_code == 200
    assert len(small) <= 4, f"{name} page runs {len(small)} queries"


def test_scripts_carry_the_csp_nonce(client):
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    nonce = policy.split("'nonce-", 1)[1].split("'", 1)[0]
    assert f'nonce="{nonce}"' in response.content.decode()
    assert "unsafe-inline" not in policy
