"""A group's own questions left the text for the groups layer (content 0003-0004, groups
0004): every id that answers, meetings and notification links point at survives."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

# Watching (notifications 0005) names questions, so it goes back before them; citations
# and the search indexes (discussion 0009-0010) need content 0006-0007, so they go back too.
BEFORE = {
    "content": "0002_initial",
    "groups": "0003_auditevent",
    "notifications": "0004_grouping",
    "discussion": "0008_visit",
}


def migrate(back: dict[str, str] | None = None):
    """Every app at its latest migration, except those ``back`` names; their models."""
    executor = MigrationExecutor(connection)
    if not executor.loader.applied_migrations:
        # The test database is made from the models (tests/conftest.py), which are what
        # every migration applied makes: record them applied, as `migrate --fake` would.
        for app_label, name in executor.loader.graph.nodes:
            executor.recorder.record_applied(app_label, name)
        executor.loader.build_graph()
    targets = dict(executor.loader.graph.leaf_nodes()) | (back or {})
    executor.migrate(list(targets.items()))
    executor.loader.build_graph()
    return executor.loader.project_state(list(targets.items())).apps


@pytest.mark.django_db(transaction=True)
def test_group_questions_keep_their_ids_answers_and_meetings():
    old = migrate(BEFORE)
    User = old.get_model("accounts", "User")
    Text = old.get_model("content", "StudyText")
    Question = old.get_model("content", "Question")
    Group = old.get_model("groups", "StudyGroup")
    Meeting = old.get_model("groups", "Meeting")
    Answer = old.get_model("discussion", "Answer")
    user = User.objects.create(username="fay", display_name="Fay", calendar_token="t1")
    text = Text.objects.create(slug="t", title="T")
    group = Group.objects.create(name="G", slug="g", text=text, invite_code="c1")
    of_text = Question.objects.create(text=text, position=1, body="The text's?")
    own = [
        Question.objects.create(text=text, group=group, position=n, body=f"Ours {n}?")
        for n in (1, 2)
    ]
    answer = Answer.objects.create(
        group=group, question=own[1], author=user, body="b", body_html="<p>b</p>"
    )
    meeting = Meeting.objects.create(
        group=group, starts_at="2030-01-01T10:00Z", ends_at="2030-01-01T11:00Z"
    )
    meeting.questions.set([of_text, own[0]])

    new = migrate()  # forward again: the database is as the other tests expect
    Question = new.get_model("content", "Question")
    GroupQuestion = new.get_model("groups", "GroupQuestion")
    assert list(Question.objects.filter(text_id=text.pk).values_list("pk", flat=True)) == [
        of_text.pk
    ]
    assert list(
        GroupQuestion.objects.filter(group_id=group.pk).values_list("question_id", "position")
    ) == [(own[0].pk, 1), (own[1].pk, 2)]
    assert Question.objects.get(pk=own[1].pk).body == "Ours 2?"
    assert new.get_model("discussion", "Answer").objects.get(pk=answer.pk).question_id == own[1].pk
    meeting = new.get_model("groups", "Meeting").objects.get(pk=meeting.pk)
    assert sorted(meeting.questions.values_list("pk", flat=True)) == sorted([of_text.pk, own[0].pk])
