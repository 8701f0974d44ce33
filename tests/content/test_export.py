"""export_text: the database back in the file format, and a re-import that changes nothing."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from content.importer import text_export, text_import
from content.models import Chapter, Paragraph, Question, ReadingItem, StudyText
from tests.content.test_import import import_text, snapshot
from tests.support import SHIPPED_SLUG, SHIPPED_TEXT


def export_text(slug: str) -> str:
    out = StringIO()
    call_command("export_text", slug, stdout=out)
    return out.getvalue()


def test_shipped_file_round_trips(no_texts):
    assert import_text(SHIPPED_TEXT).startswith("Created")
    before = snapshot()
    assert import_text(SHIPPED_TEXT).endswith("; nothing changed.\n")
    assert snapshot() == before
    assert export_text(SHIPPED_SLUG).splitlines() == SHIPPED_TEXT.read_text("utf-8").splitlines()


def test_text_made_in_the_admin_exports_and_reimports_unchanged(db):
    text = StudyText.objects.create(slug="made-in-admin", title="Made in the admin")
    later = Chapter.objects.create(text=text, number=2, title="Afterword")
    first = Chapter.objects.create(text=text, number=1, title="The Poem")
    Paragraph.objects.create(chapter=later, position=1, body="A closing paragraph.")
    paragraphs = [
        ("plain", "The poem appeared in a White magazine after the first Moscow trial:", ""),
        ("verse", "Give us forty,\nGive us hundreds,\nThousands;", ""),
        (
            "quotation",
            "“Socialism has demonstrated its right to victory.”",
            "The Revolution Betrayed",
        ),
        ("quotation", "“The cause of the revolution in the West seemed lost for years.”", ""),
    ]
    for position, (kind, body, citation) in reversed(list(enumerate(paragraphs, 1))):
        Paragraph.objects.create(
            chapter=first, position=position, kind=kind, body=body, citation=citation
        )
    Question.objects.create(text=text, position=2, body="What came next?")
    Question.objects.create(text=text, position=1, body="Why a poem?").chapters.add(first)
    ReadingItem.objects.create(
        text=text, level=2, position=1, title="The Moscow Trials", author="Trotsky"
    )
    ReadingItem.objects.create(
        text=text,
        level=1,
        position=1,
        title="Ideals of October",
        author="Ted Grant",
        reference="p9-10",
        note="Read this first",
    )

    exported = text_export(text)
    assert exported == (
        "1. The Poem\n"
        "The poem appeared in a White magazine after the first Moscow trial:\n"
        "Give us forty,\nGive us hundreds,\nThousands;\n"
        "“Socialism has demonstrated its right to victory.” (The Revolution Betrayed)\n"
        "“The cause of the revolution in the West seemed lost for years.”\n"
        "2. Afterword\nA closing paragraph.\n"
        "Questions for Discussion\n- Why a poem?\n- What came next?\n"
        "Further Reading: Introductory\n"
        "Ideals of October by Ted Grant (p9-10) Read this first\n"
        "Further Study\nThe Moscow Trials by Trotsky\n"
    )
    assert export_text("made-in-admin") == exported
    before = snapshot()
    report = text_import(slug="made-in-admin", data=exported.encode())
    assert not report.changed
    assert snapshot() == before


def test_export_of_an_unknown_slug_fails(db):
    with pytest.raises(CommandError, match="no study text with the slug “nope”"):
        export_text("nope")
