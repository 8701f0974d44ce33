# Step 3 of 3: the text no longer names groups. groups 0004 (which runs before this one)
# has copied each group question's owner and place into groups.GroupQuestion.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("content", "0003_question_text_optional"),
    ]

    operations = [
        migrations.RemoveField(model_name="question", name="group"),
        migrations.AlterModelOptions(name="question", options={"ordering": ["text", "position", "id"]}),
        migrations.AddConstraint(
            model_name="question",
            constraint=models.UniqueConstraint(fields=("text", "position"), name="question_position_unique"),
        ),
        migrations.AddConstraint(
            model_name="question",
            constraint=models.CheckConstraint(condition=models.Q(models.Q(("position__isnull", True), ("text__isnull", True)), models.Q(("position__isnull", False), ("text__isnull", False)), _connector="OR"), name="question_of_text_has_position"),
        ),
    ]
