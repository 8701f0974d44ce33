"""Admins keep the text in shape: browse, search, edit, import and export."""

import html as htmllib
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from content.models import Chapter, Paragraph, Question, ReadingItem, StudyText

pytestmark = pytest.mark.django_db

IMPORT_URL = reverse("admin:content_studytext_import")


def snapshot() -> list:
    return [
        list(model.objects.order_by("pk").values())
        for model in (StudyText, Chapter, Paragraph, Question, ReadingItem)
    ]


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="text/plain")


def plan_form(response) -> dict:
    """What the plan page's form sends back: its hidden fields and the admin's choices."""
    assert response.status_code == 200, response.content[:500]
    html = response.content.decode()
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))
    assert {"file_data", "slug", "shown"} <= set(fields), "the file travels with the plan"
    return {name: htmllib.unescape(value) for name, value in fields.items()}


def preview(admin_client, name: str, data: bytes, **fields):
    response = admin_client.post(IMPORT_URL, {"file": upload(name, data), **fields})
    return response, plan_form(response)


def test_import_an_uploaded_file(admin_client, seed_bytes):
    response, plan = preview(admin_client, "course-part-2.txt", seed_bytes, title="Part 2")
    assert "Would create" in response.content.decode()
    assert not StudyText.objects.filter(slug="course-part-2").exists(), "nothing written yet"
    response = admin_client.post(IMPORT_URL, plan | {"apply": "1"})
    text = StudyText.objects.get(slug="course-part-2")
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:content_studytext_change", args=[text.pk])
    assert text.title == "Part 2"
    assert text.chapters.count() == 7
    page = admin_client.get(response["Location"]).content.decode()
    assert "7 chapters, 147 paragraphs, 6 questions, 8 readings" in page


def test_importing_again_reports_nothing_changed(admin_client, shipped_text, seed_bytes):
    before = snapshot()
    response, plan = preview(admin_client, "x.txt", seed_bytes, slug=shipped_text.slug)
    assert "nothing changed" in response.content.decode()
    response = admin_client.post(IMPORT_URL, plan | {"apply": "1"}, follow=True)
    assert "nothing changed" in response.content.decode()
    assert snapshot() == before


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"\n \n", "line 1: the file is empty"),
        (b"Preface\n15. Tragedy\nText.\n", "line 1: expected a chapter heading"),
        (b"15. A\nText.\n15. B\nMore.\n", "line 3: chapter 15 appears twice"),
        (b"15. A\n\xe9t\xe9\n", "line 2: is not valid UTF-8"),
    ],
)
def test_a_bad_file_is_refused_with_its_reason(admin_client, shipped_text, data, reason):
    before = snapshot()
    response = admin_client.post(
        IMPORT_URL, {"file": upload("bad.txt", data), "slug": shipped_text.slug}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert f"bad.txt, {reason}" in page
    assert "Nothing was imported." in page
    assert snapshot() == before


def test_a_file_name_without_a_slug_asks_for_one(no_texts, admin_client, seed_bytes):
    response = admin_client.post(IMPORT_URL, {"file": upload("???.txt", seed_bytes)})
    assert response.status_code == 200
    assert "gives no slug" in response.content.decode()
    assert not StudyText.objects.exists()


def test_the_import_form_needs_a_file(admin_client):
    response = admin_client.post(IMPORT_URL, {})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()


def test_export_downloads_the_text_file(admin_client, shipped_text, seed_bytes):
    response = admin_client.get(reverse("admin:content_studytext_export", args=[shipped_text.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{shipped_text.slug}.txt"'
    assert response.content.decode().splitlines() == seed_bytes.decode().splitlines()


def test_only_staff_reach_import_and_export(client, django_user_model, shipped_text):
    export_url = reverse("admin:content_studytext_export", args=[shipped_text.pk])
    for url in (IMPORT_URL, export_url):
        assert client.get(url).status_code == 302  # to the admin log-in
    django_user_model.objects.create_user("reader", password="pw-reader-123")
    client.login(username="reader", password="pw-reader-123")
    for url in (IMPORT_URL, export_url):
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_staff_without_import_permission_get_403(client, django_user_model, shipped_text):
    django_user_model.objects.create_user("editor", password="pw-editor-123", is_staff=True)
    client.login(username="editor", password="pw-editor-123")
    assert client.get(IMPORT_URL).status_code == 403


@pytest.mark.parametrize(
    "url",
    [
        reverse("admin:content_studytext_changelist"),
        reverse("admin:content_chapter_changelist") + "?q=Bonapartism",
        reverse("admin:content_paragraph_changelist") + "?q=Kuomintang&kind=quotation",
        reverse("admin:content_question_changelist") + "?q=Popular+Front",
        reverse("admin:content_readingitem_changelist") + "?level=2",
    ],
)
def test_changelists_search_and_filter(admin_client, shipped_text, url):
    assert admin_client.get(url).status_code == 200


def test_chapter_page_lists_its_paragraphs_in_order(admin_client, shipped_text):
    chapter = Chapter.objects.get(number=20)
    response = admin_client.get(reverse("admin:content_chapter_change", args=[chapter.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    first = page.index("Inside the Soviet Union, the sharpening contradictions")
    poem = page.index("We thank you, Stalin!")
    assert first < poem


def test_text_page_has_its_chapters_questions_and_readings(admin_client, shipped_text):
    url = reverse("admin:content_studytext_change", args=[shipped_text.pk])
    page = admin_client.get(url).content.decode()
    assert "Proletarian Bonapartism" in page
    assert "What are the tasks of a new revolution in Russia today?" in page
    assert "Covers the issues fully" in page


def test_admin_links_a_question_to_its_chapters(admin_client, shipped_text):
    question = Question.objects.get(position=4)
    chapters = Chapter.objects.filter(number__in=[18, 19])
    url = reverse("admin:content_question_change", args=[question.pk])
    response = admin_client.post(
        url,
        {
            "text": shipped_text.pk,
            "position": 4,
            "body": question.body,
            "chapters": [c.pk for c in chapters],
        },
    )
    assert response.status_code == 302
    assert set(question.chapters.values_list("number", flat=True)) == {18, 19}


def test_admin_edits_keep_to_what_the_text_format_can_say(admin_client, shipped_text):
    verse = Paragraph.objects.get(kind="verse")
    url = reverse("admin:content_paragraph_change", args=[verse.pk])
    form = {"chapter": verse.chapter_id, "position": verse.position, "kind": "verse"}
    response = admin_client.post(url, {**form, "body": "One line,\r\n\r\nTwo lines,\r\nThree."})
    assert response.status_code == 302
    verse.refresh_from_db()
    assert verse.body == "One line,\nTwo lines,\nThree."

    response = admin_client.post(url, {**form, "body": "Too short\r\nfor verse"})
    assert "A verse block needs at least three lines" in response.content.decode()

    plain = {**form, "kind": "plain"}
    response = admin_client.post(url, {**plain, "body": "1917. The year it began."})
    assert "would read as a chapter heading" in response.content.decode()
    response = admin_client.post(url, {**plain, "body": "Text.", "citation": "p. 4"})
    assert "Only a quotation has a citation." in response.content.decode()


def test_admin_refuses_a_reading_that_would_not_survive_export(admin_client, shipped_text):
    reading = ReadingItem.objects.get(title="Ideals of October")
    url = reverse("admin:content_readingitem_change", args=[reading.pk])
    form = {"text": shipped_text.pk, "level": 1, "position": 1, "title": "Ideals of October"}
    response = admin_client.post(url, {**form, "note": "covers the basics"})
    assert "would read back differently" in response.content.decode()
    response = admin_client.post(url, {**form, "note": "Covers the basics"})
    assert response.status_code == 302
    reading.refresh_from_db()
    assert reading.note == "Covers the basics"
