# Step 1 of 3 moving a group's own questions out of the text (groups 0004 copies who owns
# them, content 0004 drops the column): a question may now have no text and no position.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("content", "0002_initial"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="question", name="question_position_unique"),
        migrations.RemoveConstraint(model_name="question", name="group_question_position_unique"),
        migrations.AlterField(
            model_name="question",
            name="text",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name="questions", to="content.studytext"),
        ),
        migrations.AlterField(
            model_name="question",
            name="position",
            field=models.PositiveIntegerField(blank=True, null=True),
        ),
    ]
