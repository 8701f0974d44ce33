"""The admin keeps to the app's rules for posts: a member's words are not editable there,
derived fields are read-only, and posts are hidden (audited), never deleted."""

import pytest
from django.urls import reverse

from studygroup.discussion.models import Answer, Comment
from tests.support import answer, comment, logged_in

pytestmark = pytest.mark.django_db


def test_an_admin_cannot_rewrite_delete_or_add_a_post(admin, membership, mia_membership, question):
    maxs = answer(membership, question, "Max's own words.")
    reply = comment(mia_membership, maxs, "Mia's reply.")
    client = logged_in(admin)
    change = reverse("admin:discussion_answer_change", args=[maxs.pk])
    page = client.get(change).content.decode()
    assert "Max&#x27;s own words." in page and 'name="body"' not in page
    client.post(change, {"body": "Rewritten by an admin.", "comment_count": 99})
    maxs.refresh_from_db()
    assert maxs.body == "Max's own words." and maxs.comment_count == 1
    assert (
        client.post(
            reverse("admin:discussion_answer_delete", args=[maxs.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert client.get(reverse("admin:discussion_comment_add")).status_code == 403
    assert Answer.objects.count() == 1 and Comment.objects.get() == reply


def test_hiding_from_the_admin_is_audited_like_hiding_from_the_page(admin, membership, question):
    maxs = answer(membership, question)
    client = logged_in(admin)
    client.post(
        reverse("admin:discussion_answer_changelist"),
        {"action": "hide", "_selected_action": [maxs.pk]},
    )
    maxs.refresh_from_db()
    assert maxs.hidden and maxs.hidden_by == admin
    assert membership.group.audit_events.filter(action="hide").exists()
