"""The margin: notes on a paragraph of the group's text (a thread like an answer's comments,
for the whole group), and how many notes and citing posts each paragraph has, beside it in
the reading view: hiding and answer-first kept, the page's queries flat however much the
group writes."""

import re

import pytest
from django.urls import reverse

from content.models import Paragraph
from studygroup.discussion import services
from studygroup.discussion.models import Citation, Note
from studygroup.groups.models import Membership
from studygroup.notifications.models import Notification
from studygroup.owndata.services import account_data
from tests.support import HTMX, answer, chapter, count_queries, logged_in, page

pytestmark = pytest.mark.django_db


def paragraph(group, number: int = 15, position: int = 2) -> Paragraph:
    return Paragraph.objects.select_related("chapter").get(
        chapter=chapter(group, number), position=position
    )


def margin_url(group, p: Paragraph, name: str = "margin") -> str:
    return reverse(f"discussion:{name}", args=[group.slug, p.chapter.number, p.position])


def read_url(group, number: int = 15) -> str:
    return reverse("discussion:read", args=[group.slug, number])


def note(membership, p: Paragraph, body: str = "A note.", parent: Note | None = None) -> Note:
    return services.note_post(membership=membership, paragraph=p, body=body, parent=parent)


def margin_link(html: str, p: Paragraph) -> str:
    """What the reading view says beside the paragraph: "Note", "2 notes · cited in 1"."""
    start = rf'<div class="margin[^"]*" id="margin-{p.anchor}">\s*'
    found = re.search(rf'{start}<a class="margin-open"[^>]*>(.*?)<span', html)
    assert found, f"no margin beside {p.anchor}"
    return found[1]


# Writing --------------------------------------------------------------------------------


def test_a_note_posted_without_htmx_shows_in_its_margin(group, membership, member):
    p = paragraph(group)
    client = logged_in(member)
    response = client.post(margin_url(group, p, "note_create"), {"body": "Why *Bukharin*?"})
    mine = Note.objects.get(author=member)
    assert response.status_code == 302
    assert response.url == f"{margin_url(group, p)}#note-{mine.pk}"
    html = page(client.get(response.url))
    assert "Why <em>Bukharin</em>?" in html
    assert p.body in html, "the page quotes the paragraph"
    assert f'id="note-{mine.pk}"' in html


def test_a_note_posted_with_htmx_returns_the_open_margin(group, membership, member):
    p = paragraph(group)
    response = logged_in(member).post(
        margin_url(group, p, "note_create"), {"body": "In place."}, headers=HTMX
    )
    fragment = page(response)
    assert response.status_code == 200
    assert fragment.lstrip().startswith(f'<section class="margin open" id="margin-{p.anchor}"')
    assert "<p>In place.</p>" in fragment and "<html" not in fragment


def test_the_margin_opens_in_place_and_folds_again(group, membership, mia_membership, member):
    p = paragraph(group)
    note(mia_membership, p, "Mia writes.")
    client = logged_in(member)
    opened = page(client.get(margin_url(group, p), headers=HTMX))
    assert "Mia writes." in opened and "<html" not in opened
    folded = page(client.get(f"{margin_url(group, p)}?closed", headers=HTMX))
    assert margin_link(folded, p) == "1 note"


def test_replies_nest_and_the_noted_hear_of_them(group, membership, mia_membership, member, mia):
    p = paragraph(group)
    first = note(membership, p, "Max writes.")
    client = logged_in(mia)
    form = page(client.get(f"{margin_url(group, p, 'note_create')}?parent={first.pk}"))
    assert "Replying to Max Member" in form and "Max writes." in form
    client.post(margin_url(group, p, "note_create"), {"body": "Mia replies.", "parent": first.pk})
    reply = Note.objects.get(author=mia)
    assert (reply.parent, reply.depth) == (first, 1)
    assert reply.path.startswith(first.path + ".")
    told = Notification.objects.get(recipient=member)
    assert told.kind == Notification.Kind.REPLY
    assert told.text == f"Mia Member replied to your note on ¶{p.reference}"
    assert told.url == reply.get_absolute_url()
    html = page(logged_in(member).get(margin_url(group, p)))
    assert 'class="comment indent-1" id="note-' in html
    assert html.index("Max writes.") < html.index("Mia replies.")


def test_a_note_is_for_the_group_only(group, group_b, membership, outsider):
    p = paragraph(group)
    mine = note(membership, p, "Ours alone.")
    client = logged_in(outsider)  # of group B, reading the same text
    assert client.get(margin_url(group, p)).status_code == 404
    assert (
        client.get(reverse("discussion:note_edit", args=[group.slug, mine.pk])).status_code == 404
    )
    assert (
        client.get(reverse("discussion:note_edit", args=[group_b.slug, mine.pk])).status_code == 404
    )
    b_view = page(client.get(read_url(group_b)))
    assert margin_link(b_view, p) == "Note"
    for opened in (
        client.get(margin_url(group_b, p)),
        client.get(margin_url(group_b, p), headers=HTMX),
    ):
        assert "No notes on this paragraph yet" in page(opened)
        assert "Ours alone." not in page(opened)


def test_a_note_is_on_a_paragraph_of_the_group_s_text_under_a_note_of_that_paragraph(
    group, membership
):
    here, there = paragraph(group, 15, 2), paragraph(group, 15, 3)
    first = note(membership, here)
    with pytest.raises(services.DiscussionError, match="not in this group's text"):
        note(membership, there, "Under another paragraph's note.", parent=first)
    assert Note.objects.count() == 1


def test_the_same_form_sent_twice_makes_one_note(group, membership):
    p = paragraph(group)
    token = "6f1c7a5e-4b5f-4d52-9b9b-0d7d6a0a9a11"
    for _ in range(2):
        services.note_post(membership=membership, paragraph=p, body="Once.", token=token)
    assert Note.objects.filter(body="Once.").count() == 1


def test_edit_and_delete_are_the_author_s_and_delete_keeps_the_replies(
    group, membership, mia_membership, member, mia
):
    p = paragraph(group)
    first = note(membership, p, "First thought.")
    note(mia_membership, p, "A reply.", parent=first)
    edit = reverse("discussion:note_edit", args=[group.slug, first.pk])
    assert logged_in(mia).post(edit, {"body": "Mia edits."}).status_code == 403
    response = logged_in(member).post(edit, {"body": "Second thought."}, headers=HTMX)
    assert "<p>Second thought.</p>" in page(response) and "· edited" in page(response)
    delete = reverse("discussion:note_delete", args=[group.slug, first.pk])
    confirm = page(logged_in(member).get(delete))
    assert "Delete your note?" in confirm and "replies to it stay" in confirm
    logged_in(member).post(delete)
    html = page(logged_in(mia).get(margin_url(group, p)))
    assert "Second thought." not in html and "Deleted by its author." in html
    assert "A reply." in html


def test_a_hidden_note_is_counted_and_read_by_its_author_and_facilitators_only(
    group, membership, mia_membership, fay_membership, member, mia, facilitator
):
    p = paragraph(group)
    hidden = note(mia_membership, p, "Off topic.")
    services.post_hide(post=hidden, by=facilitator, reason="Not about the text.")
    assert margin_link(page(logged_in(member).get(read_url(group))), p) == "Note"
    assert "Off topic." not in page(logged_in(member).get(margin_url(group, p)))
    for reader in (mia, facilitator):
        assert margin_link(page(logged_in(reader).get(read_url(group))), p) == "1 note"
        assert "Off topic." in page(logged_in(reader).get(margin_url(group, p)))


def test_locked_notes_take_no_new_notes_and_keep_the_old(group, membership, member, facilitator):
    p = paragraph(group)
    old = note(membership, p, "Said before.")
    client = logged_in(facilitator)
    client.post(margin_url(group, p, "margin_lock"), {"locked": "on"})
    html = page(logged_in(member).get(margin_url(group, p)))
    assert "The notes on this paragraph are locked" in html and "Said before." in html
    assert 'id="note-on-p2"' not in html and "Reply" not in html
    response = logged_in(member).post(margin_url(group, p, "note_create"), {"body": "Too late."})
    assert response.status_code == 400 and "locked: no new notes" in page(response)
    edit = reverse("discussion:note_edit", args=[group.slug, old.pk])
    refused = logged_in(member).post(edit, {"body": "Changed."})
    assert "locked: no new notes" in page(refused)
    assert Note.objects.get(pk=old.pk).body == "Said before."
    # The form asked for from a page opened before the lock: back to the margin, told why.
    stale = logged_in(member).get(margin_url(group, p, "note_create"), follow=True)
    assert "locked: no new notes" in page(stale)
    client.post(margin_url(group, p, "margin_lock"), {})
    assert (
        logged_in(member)
        .post(margin_url(group, p, "note_create"), {"body": "Open again."})
        .status_code
        == 302
    )


# Citations and the margin's counts -------------------------------------------------------


def test_a_note_cites_as_a_post_does_and_the_cited_paragraph_lists_it(
    group, membership, mia_membership, mia
):
    on, cited = paragraph(group, 15, 2), paragraph(group, 15, 3)
    mine = note(membership, on, f"Compare ¶{cited.reference}.")
    assert list(Citation.objects.values_list("note_id", "paragraph_id")) == [(mine.pk, cited.pk)]
    view = page(logged_in(mia).get(read_url(group)))
    assert margin_link(view, on) == "1 note"
    assert margin_link(view, cited) == "cited in 1"
    listed = page(logged_in(mia).get(margin_url(group, cited)))
    assert f"Note by Max Member on ¶{on.reference}" in listed
    services.post_delete(post=mine, user=membership.user)
    assert not Citation.objects.exists()
    assert margin_link(page(logged_in(mia).get(read_url(group))), cited) == "Note"


def test_the_margin_shows_no_trace_of_answers_answer_first_still_hides(
    group, question, membership, mia_membership, member, mia
):
    services.discussion_set(group=group, question=question, answer_first=True)
    cited = paragraph(group, 15, 4)
    answer(mia_membership, question, f"As ¶{cited.reference} says.")
    before = page(logged_in(member).get(read_url(group)))
    assert margin_link(before, cited) == "Note", "not even the count"
    listed = page(logged_in(member).get(margin_url(group, cited)))
    assert "Answer by Mia Member" not in listed and "As ¶" not in listed
    assert margin_link(page(logged_in(mia).get(read_url(group))), cited) == "cited in 1"

    answer(membership, question, "My own answer first.")
    after = page(logged_in(member).get(read_url(group)))
    assert margin_link(after, cited) == "cited in 1"
    assert "Answer by Mia Member" in page(logged_in(member).get(margin_url(group, cited)))


def test_the_reading_view_s_queries_stay_flat_as_notes_and_citations_grow(
    group, membership, mia_membership, member
):
    client = logged_in(member)
    url = read_url(group)
    few = count_queries(client, url)
    for position in range(1, 9):
        p = paragraph(group, 15, position)
        first = note(mia_membership, p, f"On ¶{p.reference}, see ¶15.{position + 1}.")
        for _ in range(3):
            note(membership, p, "A reply.", parent=first)
    many = count_queries(client, url)
    assert many == few, f"{few} queries with no notes, {many} with 32 notes and 16 citations"
    # ¶15.3: its own four notes; cited by its first note and by ¶15.2's.
    assert margin_link(page(client.get(url)), paragraph(group, 15, 3)) == "4 notes · cited in 2"


def test_a_margin_s_queries_stay_flat_as_its_thread_grows(
    group, membership, mia_membership, member
):
    p = paragraph(group)
    first = note(mia_membership, p, "First, citing ¶15.3.")
    client = logged_in(member)
    few = count_queries(client, margin_url(group, p))
    for n in range(20):
        note(membership if n % 2 else mia_membership, p, f"Reply {n}, see ¶15.4.", parent=first)
    assert count_queries(client, margin_url(group, p)) == few


# What leaves the margin: search, the member's own data -----------------------------------


def test_search_finds_notes_the_member_may_read(
    group, group_b, membership, mia_membership, member, mia, facilitator, outsider
):
    p = paragraph(group)
    note(mia_membership, p, "The okapi in the margin.")
    hidden = note(mia_membership, p, "A hidden okapi.")
    services.post_hide(post=hidden, by=facilitator, reason="Spam.")
    theirs = Membership.objects.get(group=group_b, user=outsider)
    note(theirs, p, "Group B okapi.")
    url = reverse("discussion:search", args=[group.slug])
    html = page(logged_in(member).get(url, {"q": "okapi"}))
    assert f"Note by Mia Member on ¶{p.reference}" in html
    assert "in the margin" in html
    assert "A hidden" not in html and "Group B" not in html


def test_a_member_s_notes_are_in_their_export(group, membership, member):
    p = paragraph(group)
    note(membership, p, "Mine to take away.")
    data = account_data(member)
    assert data["notes"] == [
        {
            "group": group.name,
            "paragraph": f"¶{p.reference}",
            "in_reply_to": None,
            "body": "Mine to take away.",
            "created": data["notes"][0]["created"],
            "edited": None,
            "deleted": False,
            "hidden_reason": None,
        }
    ]


# A refusal no view caught ----------------------------------------------------------------


def test_a_reply_form_asked_for_after_the_question_was_locked_is_a_clear_409(
    group, question, membership, mia_membership, member
):
    theirs = answer(mia_membership, question, "Mia's answer.")
    services.discussion_set(group=group, question=question, locked=True)
    url = reverse("discussion:comment_create", args=[group.slug, theirs.pk])
    response = logged_in(member).get(url)
    assert response.status_code == 409
    assert "This question is locked: no new posts." in page(response)
    with_htmx = logged_in(member).get(url, headers=HTMX)
    assert with_htmx["HX-Reswap"] == "none"
    assert "This question is locked" in with_htmx["HX-Trigger"]
