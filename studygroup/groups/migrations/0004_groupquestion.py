# Step 2 of 3 moving a group's own questions out of the text: who owns each one, and its
# place in the group's list, are kept here. The question rows keep their ids, so answers,
# discussions, meetings and notification links still point at them.

import django.db.models.deletion
from django.db import migrations, models


def forwards(apps, schema_editor):
    Question = apps.get_model("content", "Question")
    GroupQuestion = apps.get_model("groups", "GroupQuestion")
    own = list(Question.objects.filter(group__isnull=False).order_by("group_id", "position"))
    GroupQuestion.objects.bulk_create(
        GroupQuestion(question_id=q.pk, group_id=q.group_id, position=q.position) for q in own
    )
    Question.objects.filter(pk__in=[q.pk for q in own]).update(text=None, position=None)


def backwards(apps, schema_editor):
    Question = apps.get_model("content", "Question")
    GroupQuestion = apps.get_model("groups", "GroupQuestion")
    for row in GroupQuestion.objects.select_related("group"):
        Question.objects.filter(pk=row.question_id).update(
            group_id=row.group_id, text_id=row.group.text_id, position=row.position
        )


class Migration(migrations.Migration):

    dependencies = [
        ("content", "0003_question_text_optional"),
        ("groups", "0003_auditevent"),
    ]
    # The copy needs content's old column: it must run before content drops it, and saying
    # so here keeps content's migrations free of any dependency on groups.
    run_before = [("content", "0004_question_of_text_only")]

    operations = [
        migrations.CreateModel(
            name="GroupQuestion",
            fields=[
                ("question", models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name="group_question", serialize=False, to="content.question")),
                ("position", models.PositiveIntegerField()),
                ("group", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="own_questions", to="groups.studygroup")),
            ],
            options={
                "ordering": ["group", "position"],
                "verbose_name": "group's own question",
                "constraints": [models.UniqueConstraint(fields=("group", "position"), name="group_question_position_unique")],
            },
        ),
        migrations.RunPython(forwards, backwards),
    ]
