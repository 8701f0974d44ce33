"""Every change to the text can be undone: an admin's edit, from the item's history with the
difference shown; a whole import, from the list of imports, through the same plan."""

import re

import pytest
from django.urls import reverse
from reversion.models import Version

from content.importer import text_export, text_import
from content.models import Chapter, ImportRecord, Paragraph, ReadingItem
from tests.content.test_admin import IMPORT_URL, plan_form, upload
from tests.support import SHIPPED_SLUG, logged_in

pytestmark = pytest.mark.django_db


def test_an_admin_edit_is_kept_and_restored_in_one_step(shipped_text, admin):
    client = logged_in(admin)
    paragraph = Paragraph.objects.filter(chapter__text=shipped_text).order_by("pk").first()
    original = paragraph.body
    change = reverse("admin:content_paragraph_change", args=[paragraph.pk])
    form = {
        "chapter": paragraph.chapter_id,
        "position": paragraph.position,
        "kind": paragraph.kind,
        "body": "A careless edit that lost the paragraph.",
        "citation": "",
    }
    # A first save keeps the original, the second the careless edit.
    client.post(change, form | {"body": original})
    assert client.post(change, form).status_code == 302
    paragraph.refresh_from_db()
    assert paragraph.body == "A careless edit that lost the paragraph."

    history = client.get(reverse("admin:content_paragraph_history", args=[paragraph.pk]))
    html = history.content.decode()
    assert admin.get_username() in html
    versions = list(Version.objects.get_for_object(paragraph))  # newest first
    assert [v.field_dict["body"] for v in versions[:2]] == [paragraph.body, original]
    old = versions[1]
    page = client.get(
        reverse("admin:content_paragraph_revision", args=[paragraph.pk, old.pk])
    ).content.decode()
    assert "A careless edit that lost the paragraph." in page and original[:40] in page
    assert re.search(r"<td>body</td>", page), "the difference, field by field"

    client.post(
        reverse("admin:content_paragraph_revision", args=[paragraph.pk, old.pk]),
        form | {"body": original},
    )
    paragraph.refresh_from_db()
    assert paragraph.body == original


def test_the_plan_says_which_admin_edits_the_file_would_undo(shipped_text, seed_bytes, admin):
    paragraph = Paragraph.objects.filter(chapter__number=17).order_by("position").first()
    client = logged_in(admin)
    client.post(
        reverse("admin:content_paragraph_change", args=[paragraph.pk]),
        {
            "chapter": paragraph.chapter_id,
            "position": paragraph.position,
            "kind": paragraph.kind,
            "body": paragraph.body + " (An admin's correction.)",
            "citation": paragraph.citation,
        },
    )
    report = text_import(slug=SHIPPED_SLUG, data=seed_bytes, dry_run=True)
    [undone] = [change for change in report.changes if change.undoes]
    assert undone.where == "¶17.1" and undone.undoes.startswith(f"{admin.get_username()}’s edit")
    assert "1 admin edit undone" in report.summary()
    assert "undoes ada’s edit of" in undone.describe()
    page = client.post(IMPORT_URL, {"slug": SHIPPED_SLUG, "file": upload("t.txt", seed_bytes)})
    assert "undoes ada’s edit of" in page.content.decode(), "the admin's preview says it too"


def test_an_import_is_in_each_items_history(shipped_text, seed_bytes, admin):
    lines = seed_bytes.decode().splitlines()
    lines[lines.index("21. Conclusion")] = "21. Conclusions"
    text_import(slug=SHIPPED_SLUG, data="\n".join(lines).encode(), by=admin)
    chapter = Chapter.objects.get(number=21)
    version = Version.objects.get_for_object(chapter).first()  # the newest
    assert version.field_dict["title"] == "Conclusions"
    assert version.revision.user == admin
    assert version.revision.get_comment().startswith(f"Imported by {admin.get_username()}")
    record = ImportRecord.objects.first()  # the newest
    assert record.by == admin.get_username() and "21. Conclusion\n" in record.before


def test_a_whole_import_is_rolled_back_from_the_list_of_imports(shipped_text, seed_bytes, admin):
    before = text_export(shipped_text)
    ids = sorted(Paragraph.objects.values_list("pk", flat=True))
    lines = seed_bytes.decode().splitlines()
    lines[lines.index("21. Conclusion")] = "21. Conclusions"
    lines.remove("Bureaucratism or Workers’ Power (p46-50)")
    text_import(slug=SHIPPED_SLUG, data="\n".join(lines).encode(), by=admin)
    assert text_export(shipped_text) != before

    client = logged_in(admin)
    listing = client.get(reverse("admin:content_importrecord_changelist")).content.decode()
    rollback = reverse("admin:content_studytext_rollback", args=[ImportRecord.objects.first().pk])
    assert rollback in listing
    response = client.get(rollback)
    html = response.content.decode()
    assert "chapter 21 changed: “21. Conclusions” → “21. Conclusion”" in html or (
        "21. Conclusions" in html and "21. Conclusion" in html
    )
    response = client.post(IMPORT_URL, plan_form(response) | {"apply": "1"})
    assert response.status_code == 302
    assert text_export(shipped_text) == before
    assert sorted(Paragraph.objects.values_list("pk", flat=True)) == ids, "the same rows"
    assert ReadingItem.objects.filter(title="Bureaucratism or Workers’ Power").exists()
    assert ImportRecord.objects.first().by == admin.get_username(), "the rollback is kept too"
