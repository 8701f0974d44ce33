"""import_text: the shipped text's fields, slugs and titles, updates in place, bad files."""

import shutil
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from content.models import Chapter, Paragraph, Question, ReadingItem, StudyText
from tests.content.test_textformat import BAD_FILES
from tests.support import SHIPPED_SLUG, SHIPPED_TEXT

CONTENT_MODELS = (StudyText, Chapter, Paragraph, Question, Question.chapters.through, ReadingItem)
QUESTIONS = [
    "What was wrong with the Communist Party uniting with democratic capitalists against "
    "feudalism and imperialism in China?",
    "Shouldn’t the Left Opposition have called for setting up a new party after it was "
    "expelled from the CP in 1928?",
    "Ok, so Stalin made mistakes, but he corrected them when he introduced the five year "
    "plans, didn’t he?",
    "Wasn’t the Popular Front, the unity of all democratic forces, necessary to fight "
    "reaction and fascism after Hitler came to power?",
    "Didn’t the purge trials show that nothing remained of the gains of the revolution?",
    "What are the tasks of a new revolution in Russia today?",
]


def snapshot() -> dict:
    """Every row of every content table, ids and all."""
    return {m._meta.label: list(m.objects.order_by("pk").values()) for m in CONTENT_MODELS}


def import_text(*args) -> str:
    out = StringIO()
    call_command("import_text", *map(str, args), stdout=out)
    return out.getvalue()


def test_shipped_text_is_split_into_its_fields(shipped_text):
    assert StudyText.objects.count() == 1
    chapters = list(shipped_text.chapters.in_order())
    assert [(c.number, c.title) for c in chapters] == [
        (15, "Tragedy in China"),
        (16, "The Defeat of the Joint Left Opposition"),
        (17, "Proletarian Bonapartism"),
        (18, "From the “Third Period”…"),
        (19, "…to the “People’s Front”"),
        (20, "Rivers of Blood"),
        (21, "Conclusion"),
    ]
    paragraphs = Paragraph.objects.filter(chapter__text=shipped_text).order_by("position")
    assert paragraphs.count() == 147
    assert paragraphs.filter(kind="quotation").count() == 20

    (verse,) = paragraphs.filter(kind="verse")
    assert verse.chapter.number == 20
    assert len(verse.lines) == 12
    assert (verse.lines[0], verse.lines[-1]) == (
        "“We thank you, Stalin!",
        "And add your carcass to the rest!”",
    )
    quotation = paragraphs.filter(chapter__number=15, kind="quotation").first()
    assert quotation.citation == "From Lenin to Stalin, page 44"
    assert quotation.body.startswith("“The cause of") and quotation.body.endswith("victory.”")
    phrase = paragraphs.get(chapter__number=19, body__startswith="“Broad support” among")
    assert (phrase.kind, phrase.citation) == ("plain", "")

    assert [q.body for q in shipped_text.questions.order_by("position")] == QUESTIONS
    readings = ReadingItem.objects.order_by("position")
    fields = ("title", "author", "reference", "note")
    assert list(readings.filter(level=1).values_list(*fields)) == [
        ("Ideals of October", "", "p9-10", ""),
        ("Rise and Fall of the Communist International", "", "", "Covers the issues fully"),
        ("Bureaucratism or Workers’ Power", "", "p46-50", ""),
        ("Stalinism or Bolshevism", "Trotsky", "", ""),
    ]
    assert list(readings.filter(level=2).values_list(*fields)) == [
        ("The Third International After Lenin", "", "", "Deals fully with the Chinese Revolution"),
        ("The Spanish Revolution 1931-37", "Grand and Taaffe", "", ""),
        ("The Stalin School of Falsification", "Trotsky", "", ""),
        (
            "Lenin and Trotsky: What They Really Stood For",
            "",
            "Chapter 8 p115-145 and chapter 9",
            "",
        ),
    ]


def test_slug_defaults_to_the_file_name(no_texts, tmp_path):
    path = tmp_path / "my-course.txt"
    shutil.copy(SHIPPED_TEXT, path)
    output = import_text(path)
    assert output.startswith(
        "Created “My course” (my-course): 7 chapters, 147 paragraphs, 6 questions, 8 readings;"
    )
    assert StudyText.objects.get().slug == "my-course"


def test_slug_and_title_options(no_texts):
    import_text(SHIPPED_TEXT, "--slug", "part-two", "--title", "The Russian Revolution")
    text = StudyText.objects.get()
    assert (text.slug, text.title) == ("part-two", "The Russian Revolution")


def test_renaming_by_title_is_reported(shipped_text):
    output = import_text(SHIPPED_TEXT, "--title", "Part two")
    assert StudyText.objects.get().title == "Part two"
    assert "nothing changed" not in output


def test_corrected_file_updates_in_place(shipped_text, seed_bytes, tmp_path):
    chapter_ids = {c.number: c.pk for c in Chapter.objects.all()}
    paragraph_ids = list(Paragraph.objects.order_by("pk").values_list("pk", flat=True))
    question_ids = {q.body: q.pk for q in Question.objects.all()}
    reading_ids = {r.title: r.pk for r in ReadingItem.objects.all()}
    corrected = Question.objects.get(body__startswith="Ok, so")
    corrected.chapters.add(Chapter.objects.get(number=17))

    lines = seed_bytes.decode().splitlines()
    lines[lines.index("21. Conclusion")] = "21. Conclusions"
    old = (
        "Marxist opposition to the rule of the bureaucracy was from this point driven underground."
    )
    lines[lines.index(old)] = old.replace("was from this point driven", "now went")
    start = lines.index("Questions for Discussion") + 1
    lines[start + 2] = lines[start + 2].replace("Ok, so", "OK, so")
    lines[start + 3], lines[start + 4] = lines[start + 4], lines[start + 3]
    lines.insert(start + 6, "- How did the Vorkuta hunger strike end?")
    lines.remove("Bureaucratism or Workers’ Power (p46-50)")
    path = tmp_path / f"{SHIPPED_SLUG}.txt"
    path.write_text("\n".join(lines), encoding="utf-8")

    summary, *changes = import_text(path).splitlines()
    assert summary == (
        "Imported “Russian Revolution, part 2” (russian-revolution-part-2): 7 chapters, "
        "147 paragraphs, 7 questions, 7 readings; chapters: 0 added, 1 updated, 0 removed; "
        "paragraphs: 0 added, 1 updated, 0 removed; questions: 1 added, 3 updated, 0 removed; "
        "readings: 0 added, 1 updated, 1 removed."
    )
    assert "  chapter 21 changed: “21. Conclusion” → “21. Conclusions”" in changes
    assert any(
        line.startswith("  ¶16.13 changed: “… of the bureaucracy was from this point driven")
        and "→ “… of the bureaucracy now went underground.”" in line
        for line in changes
    ), changes
    assert "  question 7 added: “How did the Vorkuta hunger strike end?”" in changes
    assert any(line.startswith("  reading 1.3 removed: “Bureaucratism") for line in changes), (
        "\n".join(changes)
    )
    assert {c.number: c.pk for c in Chapter.objects.all()} == chapter_ids
    assert Chapter.objects.get(number=21).title == "Conclusions"
    assert list(Paragraph.objects.order_by("pk").values_list("pk", flat=True)) == paragraph_ids
    assert Paragraph.objects.filter(body__contains="bureaucracy now went underground").exists()

    questions = list(Question.objects.order_by("position"))
    wanted = [line.removeprefix("- ") for line in lines[start : start + 7]]
    assert [(q.position, q.body) for q in questions] == list(enumerate(wanted, 1))
    kept = [q for q in questions if q.body in question_ids]
    assert len(kept) == 5 and all(question_ids[q.body] == q.pk for q in kept)
    corrected.refresh_from_db()
    assert corrected.body.startswith("OK, so") and corrected.position == 3
    assert list(corrected.chapters.values_list("number", flat=True)) == [17]
    assert Question.objects.get(body__startswith="How did").pk not in question_ids.values()

    removed = reading_ids.pop("Bureaucratism or Workers’ Power")
    assert not ReadingItem.objects.filter(pk=removed).exists()
    assert {r.title: r.pk for r in ReadingItem.objects.all()} == reading_ids
    assert list(ReadingItem.objects.filter(level=1).values_list("position", "title")) == [
        (1, "Ideals of October"),
        (2, "Rise and Fall of the Communist International"),
        (3, "Stalinism or Bolshevism"),
    ]
    out = StringIO()
    call_command("export_text", SHIPPED_SLUG, stdout=out)
    assert out.getvalue().splitlines() == lines


@pytest.mark.parametrize(("data", "line", "reason"), BAD_FILES)
def test_bad_file_is_refused_and_changes_nothing(shipped_text, tmp_path, data, line, reason):
    path = tmp_path / f"{SHIPPED_SLUG}.txt"  # the file name gives the imported text's slug
    path.write_bytes(data)
    before = snapshot()
    with pytest.raises(CommandError) as exc:
        import_text(path)
    message = str(exc.value)
    assert message.startswith(f"{path}:{line}: ") and reason in message
    assert message.endswith("; nothing was imported") and "\n" not in message
    assert snapshot() == before


def test_missing_file_is_refused(shipped_text, tmp_path):
    path = tmp_path / "missing.txt"
    before = snapshot()
    with pytest.raises(CommandError) as exc:
        import_text(path)
    assert str(exc.value) == f"{path}: No such file or directory"
    assert snapshot() == before
