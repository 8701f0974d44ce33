"""After a transactional test the shipped text stays only while it is as imported: a test
that wrote to it must not hand the next one a changed text (tests/flushing.py)."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management import call_command

from content.models import Paragraph, StudyText
from tests import flushing
from tests.support import SHIPPED_SLUG, make_user


def flush() -> None:
    """As a transactional test's teardown flushes."""
    call_command("flush", verbosity=0, interactive=False, reset_sequences=False)


@pytest.fixture
def text_as_imported(transactional_db):
    """The shipped text imported just now: no earlier test's rolled-back writes leave it in
    doubt (they make the flush empty it once, the safe way)."""
    StudyText.objects.filter(slug=SHIPPED_SLUG).delete()
    return flushing.import_shipped_text()


def test_a_flush_keeps_the_text_as_imported_and_empties_it_once_written_to(text_as_imported):
    make_user("wren", "Wren Writer")
    flush()
    assert StudyText.objects.filter(slug=SHIPPED_SLUG).exists(), "as imported: kept"
    assert Permission.objects.exists(), "post_migrate's rows are kept"
    assert not get_user_model().objects.exists(), "everything else is emptied"

    Paragraph.objects.filter(chapter__text__slug=SHIPPED_SLUG, position=1).update(body="Changed")
    assert not flushing.shipped.as_imported
    flush()
    assert not StudyText.objects.exists(), "written to: emptied with the rest"
    assert not Paragraph.objects.exists()


@pytest.mark.parametrize(
    ("sql", "writes"),
    [
        ('SELECT "content_paragraph"."body" FROM "content_paragraph"', False),
        ('UPDATE "content_paragraph" SET "body" = %s', True),
        ('INSERT INTO "reversion_version" ("object_id") VALUES (%s)', True),
        ('DELETE FROM "content_question_chapters" WHERE 1', True),
        ('ALTER TABLE "content_question" ADD COLUMN "x" integer', True),
        ('INSERT INTO "groups_studygroup" ("name") VALUES (%s)', False),
        ('  savepoint "s1"', False),
    ],
)
def test_any_statement_but_a_read_on_the_text_s_tables_counts_as_a_write(sql, writes):
    shipped = flushing.ShippedText()
    shipped.as_imported = True
    shipped.watch(lambda *args: None, sql, None, False, {})
    assert shipped.as_imported is not writes
