"""What is kept for every reader (content/revisions.py, groups.models.schedules) is never
shown stale: each page is loaded once (so it is kept), changed by one of the paths that can
change it (the admin, an import, reversion's restore, the services), and loaded again."""

from datetime import timedelta

import pytest
import reversion
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.timezone import localtime
from reversion.models import Version

from content.importer import text_import
from content.models import Chapter, Paragraph, ReadingItem, StudyText
from studygroup.groups import services
from studygroup.groups.models import Membership
from tests.support import SHIPPED_TEXT, logged_in, page, plan_meeting

pytestmark = pytest.mark.django_db


def chapter_url(text: StudyText, number: int) -> str:
    return reverse("content:chapter", args=[text.slug, number])


def twice(client, url: str) -> str:
    """The page, the second time: what it shows comes from what the first load kept."""
    client.get(url)
    return page(client.get(url))


def test_a_paragraph_edited_in_the_admin_shows_at_once(admin_client, client, shipped_text):
    first = Paragraph.objects.get(chapter__text=shipped_text, chapter__number=15, position=1)
    assert first.body[:40] in twice(client, chapter_url(shipped_text, 15))
    form = {"chapter": first.chapter_id, "position": 1, "kind": first.kind, "citation": ""}
    url = reverse("admin:content_paragraph_change", args=[first.pk])
    response = admin_client.post(url, {**form, "body": "A corrected first paragraph."})
    assert response.status_code == 302
    html = page(client.get(chapter_url(shipped_text, 15)))
    assert "A corrected first paragraph." in html
    assert first.body[:40] not in html


def test_a_chapter_renamed_in_the_admin_shows_in_every_chapter_s_contents(
    admin_client, client, shipped_text
):
    assert "Tragedy in China" in twice(client, chapter_url(shipped_text, 16))
    text_url = reverse("content:text", args=[shipped_text.slug])
    for contents in ("/", text_url):  # the home page's and the text's contents, kept too
        assert "Tragedy in China" in twice(client, contents)
    fifteen = Chapter.objects.get(text=shipped_text, number=15)
    url = reverse("admin:content_chapter_change", args=[fifteen.pk])
    form = admin_client.get(url).context_data["adminform"].form  # the inline's management too
    data = {**form.initial, "title": "Tragedy in Shanghai", **_inline_management(admin_client, url)}
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    for url in (chapter_url(shipped_text, 16), "/", text_url):
        html = page(client.get(url))
        assert "Tragedy in Shanghai" in html and "Tragedy in China" not in html, url


def _inline_management(admin_client, url: str) -> dict:
    """The change form's inline formsets as the page sends them back, unchanged."""
    response = admin_client.get(url)
    data: dict = {}
    for formset in response.context_data["inline_admin_formsets"]:
        management = formset.formset.management_form
        for name, field in management.fields.items():
            data[management.add_prefix(name)] = management[name].value() or field.initial or 0
        for form in formset.formset.forms:
            for name in form.fields:
                value = form[name].value()
                if value is not None:
                    data[form.add_prefix(name)] = value
    return data


def test_a_corrected_file_imported_again_shows_at_once(client, shipped_text):
    first = Paragraph.objects.get(chapter__text=shipped_text, chapter__number=15, position=1)
    assert first.body[:40] in twice(client, chapter_url(shipped_text, 15))
    corrected = SHIPPED_TEXT.read_text().replace(first.body, "A corrected first paragraph.")
    text_import(slug=shipped_text.slug, data=corrected.encode())  # bulk writes: no signals
    assert "A corrected first paragraph." in page(client.get(chapter_url(shipped_text, 15)))


def test_a_restored_version_shows_at_once(client, shipped_text):
    first = Paragraph.objects.get(chapter__text=shipped_text, chapter__number=15, position=1)
    original = first.body
    with reversion.create_revision():
        first.body = "An admin's mistake."
        first.save()
    assert "An admin&#x27;s mistake." in twice(client, chapter_url(shipped_text, 15))
    Version.objects.get_for_object(first).filter(
        serialized_data__contains=original[:30]
    ).first().revert()
    assert original[:40] in page(client.get(chapter_url(shipped_text, 15)))


@pytest.fixture
def schedule_pages(group, member, membership, meeting):
    """The member's pages that show the group's schedule, each loaded once: now kept."""
    client = logged_in(member)
    urls = [
        reverse("groups:dashboard"),
        group.get_absolute_url(),
        meeting.get_absolute_url(),
        reverse("discussion:read", args=[group.slug, 15]),
    ]
    for url in urls:
        assert client.get(url).status_code == 200
    return client, urls


def shown(client, urls) -> list[str]:
    return [page(client.get(url)) for url in urls]


def test_a_moved_meeting_shows_its_new_place_on_every_page(group, meeting, schedule_pages):
    client, urls = schedule_pages
    moved = localtime(meeting.starts_at + timedelta(days=1), group.tz)
    services.meeting_save(
        group=group,
        meeting=meeting,
        starts_at=meeting.starts_at + timedelta(days=1),
        ends_at=meeting.ends_at + timedelta(days=1),
        place="The Winter Palace",
        chapters=list(meeting.chapters.all()),
        readings=list(meeting.readings.all()),
        questions=list(meeting.questions.all()),
    )
    dashboard, group_page, meeting_page, reading = shown(client, urls)
    assert "The Winter Palace" in group_page and "The Winter Palace" in meeting_page
    assert date_format(moved, "l j F, H:i") in dashboard
    assert date_format(moved, "l j F Y") in reading  # the reading view gives the date


def test_a_new_meeting_and_a_cancelled_one_show_at_once(group, meeting, schedule_pages):
    client, _ = schedule_pages
    later = plan_meeting(group, days=3, chapters=[19], place="The Smolny")
    assert "The Smolny" in page(client.get(group.get_absolute_url()))
    services.meeting_cancel(meeting=later)
    assert "The Smolny" not in page(client.get(group.get_absolute_url()))


def test_a_chapter_or_reading_renamed_shows_in_the_schedule(meeting, shipped_text, schedule_pages):
    client, urls = schedule_pages
    fifteen = Chapter.objects.get(text=shipped_text, number=15)
    fifteen.title = "Tragedy in Canton"
    fifteen.save()  # as the admin's form saves it
    reading = meeting.readings.first()
    reading.title = "A renamed reading"
    reading.save()
    for html in shown(client, urls[:3]):  # the dashboard, the group's and meeting's pages
        assert "A renamed reading" in html or "Tragedy in Canton" in html


def test_a_group_question_reworded_shows_in_the_meeting(group, meeting, member, schedule_pages):
    client, _ = schedule_pages
    own = services.group_question_add(group=group, body="Was it inevitable?")
    services.meeting_save(
        group=group,
        meeting=meeting,
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        place=meeting.place,
        chapters=list(meeting.chapters.all()),
        readings=list(meeting.readings.all()),
        questions=[*meeting.questions.all(), own],
    )
    assert "Was it inevitable?" in page(client.get(meeting.get_absolute_url()))
    own.body = "Was it inevitable, or chosen?"
    own.save()  # as the admin's form saves it
    assert "Was it inevitable, or chosen?" in page(client.get(meeting.get_absolute_url()))


def test_two_groups_keep_their_own_schedules(group, group_b, meeting, member, membership):
    """The key names the group: a member of both sees each group's own meetings."""
    plan_meeting(group_b, days=2, place="Group B's room")
    Membership.objects.create(group=group_b, user=member)
    client = logged_in(member)
    assert "Group B&#x27;s room" in twice(client, group_b.get_absolute_url())
    assert "Group B&#x27;s room" not in page(client.get(group.get_absolute_url()))


def test_reading_items_and_questions_of_another_text_do_not_touch_this_one(shipped_text):
    """A revision is the text's own: another text's edits leave this one's keys alone."""
    other = StudyText.objects.create(slug="other", title="Another text")
    before = StudyText.objects.get(pk=shipped_text.pk).revision
    ReadingItem.objects.create(text=other, level=1, position=1, title="Elsewhere")
    assert StudyText.objects.get(pk=shipped_text.pk).revision == before
    assert StudyText.objects.get(pk=other.pk).revision != other.revision
