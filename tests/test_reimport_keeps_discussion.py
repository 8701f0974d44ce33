"""Importing the text again never takes a group's discussion with it: a plan first, a
refusal for removals that anything hangs on, retiring (never deleting) when allowed, a
reworded question paired with its old self, and `make run` leaving admin edits alone."""

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from content.models import Chapter, Paragraph, Question, StudyText
from studygroup.discussion import services
from studygroup.discussion.models import Answer, Comment, Note
from tests.content.test_admin import IMPORT_URL, plan_form, preview
from tests.support import ROOT, SHIPPED_SLUG, answer, comment, logged_in

pytestmark = pytest.mark.django_db

SIXTH = "What are the tasks of a new revolution in Russia today?"


def import_text(path, *options) -> str:
    out = StringIO()
    call_command("import_text", str(path), *options, stdout=out)
    return out.getvalue()


def shipped_lines(seed_bytes: bytes) -> list[str]:
    return seed_bytes.decode().splitlines()


def write(tmp_path, lines: list[str]):
    path = tmp_path / f"{SHIPPED_SLUG}.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def discussed(group, membership, mia_membership):
    """Max answered the text's sixth question and Mia replied."""
    sixth = Question.objects.get(body=SIXTH)
    maxs = answer(membership, sixth, "The tasks are political first.")
    comment(mia_membership, maxs, "And economic, surely.")
    return sixth


def without_the_sixth(seed_bytes) -> list[str]:
    lines = shipped_lines(seed_bytes)
    lines.remove(f"- {SIXTH}")
    return lines


def state() -> tuple:
    return (
        list(Question.objects.order_by("pk").values_list("pk", "position", "body")),
        list(Paragraph.objects.order_by("pk").values_list("pk", "body")),
        Answer.objects.count(),
        Comment.objects.count(),
    )


def test_a_dry_run_shows_the_plan_and_writes_nothing(discussed, seed_bytes, tmp_path):
    lines = without_the_sixth(seed_bytes)
    lines[lines.index("21. Conclusion")] = "21. Conclusions"
    before = state()
    with pytest.raises(CommandError, match="would be refused"):
        out = StringIO()
        call_command("import_text", str(write(tmp_path, lines)), "--dry-run", stdout=out)
    plan = out.getvalue()
    assert plan.startswith("Refused “")
    assert "chapter 21 changed: “21. Conclusion” → “21. Conclusions”" in plan
    assert re.search(
        r"question 6 removed: “What are the tasks.*” — resting on it: 1 answer, 1 comment", plan
    )
    assert state() == before
    assert Chapter.objects.get(number=21).title == "Conclusion"


def test_a_removal_with_answers_is_refused_and_nothing_is_written(discussed, seed_bytes, tmp_path):
    lines = without_the_sixth(seed_bytes)
    lines[lines.index("21. Conclusion")] = "21. Conclusions"  # a change that must not land
    before = state()
    with pytest.raises(CommandError, match="Refused: the removals above"):
        import_text(write(tmp_path, lines))
    assert state() == before
    assert Chapter.objects.get(number=21).title == "Conclusion"


def test_allowed_the_question_is_retired_and_its_discussion_stays(
    discussed, group, member, facilitator, seed_bytes, tmp_path
):
    out = import_text(write(tmp_path, without_the_sixth(seed_bytes)), "--allow-removals")
    assert "question 6 retired" in out and "1 retired" in out
    discussed.refresh_from_db()
    assert discussed.retired and discussed.position is None
    assert Answer.objects.filter(question=discussed).count() == 1
    assert Comment.objects.count() == 1
    assert discussed not in Question.objects.of_text(group.text)

    page = logged_in(member).get(reverse("discussion:question", args=[group.slug, discussed.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "The tasks are political first." in html and "no longer in the text" in html
    public = logged_in(member).get(reverse("content:questions", args=[SHIPPED_SLUG]))
    assert SIXTH not in public.content.decode()
    # Not offered for a new meeting.
    form = logged_in(facilitator).get(reverse("groups:meeting_create", args=[group.slug]))
    assert SIXTH not in form.content.decode()

    # The file with the question again brings it back, with its id and discussion.
    out = import_text(write(tmp_path, shipped_lines(seed_bytes)))
    assert "question 6 restored" in out
    discussed.refresh_from_db()
    assert not discussed.retired and discussed.position == 6


def test_a_reworded_question_paired_keeps_its_id_and_answers(discussed, seed_bytes, tmp_path):
    lines = shipped_lines(seed_bytes)
    reworded = "Where should a Russian revolutionary begin now?"
    lines[lines.index(f"- {SIXTH}")] = f"- {reworded}"
    path = write(tmp_path, lines)
    with pytest.raises(CommandError, match="Refused"):  # too different to match by itself
        import_text(path)
    out = import_text(path, "--pair", f"{discussed.pk}=6")
    assert "question 6 changed" in out
    discussed.refresh_from_db()
    assert discussed.body == reworded and discussed.position == 6
    assert Answer.objects.get().question_id == discussed.pk


def test_a_pair_naming_no_such_question_is_refused(shipped_text, seed_bytes, tmp_path):
    with pytest.raises(CommandError, match="pairs name questions"):
        import_text(write(tmp_path, shipped_lines(seed_bytes)), "--pair", "987654=1")


def test_a_chapter_a_meeting_assigns_is_refused_then_retired(group, meeting, seed_bytes, tmp_path):
    chapter = meeting.chapters.order_by("number").first()
    lines = shipped_lines(seed_bytes)
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{chapter.number}. "))
    end = next(
        (i for i, line in enumerate(lines[start + 1 :], start + 1) if re.match(r"\d+\. ", line)),
        None,
    )
    del lines[start:end]
    path = write(tmp_path, lines)
    with pytest.raises(CommandError, match="Refused"):
        import_text(path)
    out = import_text(path, "--allow-removals")
    assert f"chapter {chapter.number} retired" in out and "1 meeting assigning it" in out
    chapter.refresh_from_db()
    assert chapter.retired and chapter.paragraphs.exists()
    assert chapter in meeting.chapters.all()
    assert chapter not in group.text.chapters.in_order()
    page = Client().get(chapter.get_absolute_url())
    assert page.status_code == 200 and "no longer part of the text" in page.content.decode()


def test_make_runs_import_leaves_admin_edits_alone(shipped_text, tmp_path):
    paragraph = Paragraph.objects.filter(chapter__text=shipped_text).first()
    paragraph.body = "An admin's corrected paragraph."
    paragraph.save()
    out = import_text("content/texts/russian-revolution-part-2.txt", "--if-missing")
    assert "not imported again" in out
    paragraph.refresh_from_db()
    assert paragraph.body == "An admin's corrected paragraph."
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"import_text \$\(SHIPPED_TEXT\).*--if-missing", makefile)


# The admin's import: the same plan, a checkbox to retire, a choice to pair ------------------


def test_the_admins_preview_shows_what_hangs_on_a_removal_and_refuses_it(
    admin_client, discussed, seed_bytes
):
    data = "\n".join(without_the_sixth(seed_bytes)).encode()
    before = state()
    response, plan = preview(admin_client, "part-2.txt", data, slug=SHIPPED_SLUG)
    html = response.content.decode()
    assert "refused" in html and "1 answer" in html
    assert 'name="apply"' not in html, "no Apply while refused"
    # Applying anyway (a hand-made post) is refused too.
    response = admin_client.post(IMPORT_URL, plan | {"apply": "1"})
    assert state() == before

    # Ticked, the plan is shown again with the retirement; then applied.
    response = admin_client.post(IMPORT_URL, plan | {"allow_removals": "on", "preview": "1"})
    assert "retired" in response.content.decode()
    plan = plan_form(response) | {"allow_removals": "on"}
    response = admin_client.post(IMPORT_URL, plan | {"apply": "1"})
    assert response.status_code == 302
    discussed.refresh_from_db()
    assert discussed.retired and Answer.objects.count() == 1


def test_the_admin_pairs_a_reworded_question(admin_client, discussed, seed_bytes):
    lines = shipped_lines(seed_bytes)
    lines[lines.index(f"- {SIXTH}")] = "- Where should a Russian revolutionary begin now?"
    response, plan = preview(
        admin_client, "part-2.txt", "\n".join(lines).encode(), slug=SHIPPED_SLUG
    )
    assert f'name="pair_{discussed.pk}"' in response.content.decode()
    response = admin_client.post(IMPORT_URL, plan | {f"pair_{discussed.pk}": "6", "preview": "1"})
    plan = plan_form(response) | {f"pair_{discussed.pk}": "6"}
    response = admin_client.post(IMPORT_URL, plan | {"apply": "1"})
    assert response.status_code == 302
    discussed.refresh_from_db()
    assert discussed.body.startswith("Where should") and not discussed.retired
    assert Answer.objects.get().question_id == discussed.pk


def test_a_plan_that_changed_since_the_preview_is_shown_again(
    admin_client, shipped_text, seed_bytes
):
    lines = shipped_lines(seed_bytes)
    lines[lines.index("21. Conclusion")] = "21. Conclusions"
    response, plan = preview(
        admin_client, "part-2.txt", "\n".join(lines).encode(), slug=SHIPPED_SLUG
    )
    # Meanwhile someone fixes the same title in the admin.
    Chapter.objects.filter(number=21).update(title="Conclusions")
    response = admin_client.post(IMPORT_URL, plan | {"apply": "1"})
    assert response.status_code == 200
    assert "The plan changed since you saw it" in response.content.decode()
    assert StudyText.objects.get().chapters.get(number=21).title == "Conclusions"


@pytest.mark.parametrize("kind", ["note", "citation"])
def test_a_paragraph_with_notes_or_citations_on_it_is_not_removed(
    group, membership, seed_bytes, tmp_path, kind
):
    ordinary = Paragraph.objects.filter(chapter__number=21, kind=Paragraph.Kind.PLAIN)
    target = ordinary.select_related("chapter").order_by("position").last()
    elsewhere = Paragraph.objects.select_related("chapter").get(chapter__number=15, position=1)
    if kind == "note":
        services.note_post(membership=membership, paragraph=target, body="On this passage.")
    else:
        services.note_post(
            membership=membership, paragraph=elsewhere, body=f"See ¶{target.reference}."
        )
    lines = shipped_lines(seed_bytes)
    lines.remove(target.body)
    before = (state(), list(Note.objects.values_list("pk", "paragraph_id", "body")))
    out = StringIO()
    with pytest.raises(CommandError, match="would be refused"):
        call_command("import_text", str(write(tmp_path, lines)), "--dry-run", stdout=out)
    assert re.search(
        rf"¶21\.{target.position} removed: .* — resting on it: 1 {kind}", out.getvalue()
    )
    with pytest.raises(CommandError, match="Refused"):
        import_text(write(tmp_path, lines), "--allow-removals")
    assert (state(), list(Note.objects.values_list("pk", "paragraph_id", "body"))) == before
