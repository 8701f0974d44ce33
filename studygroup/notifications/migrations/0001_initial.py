# The model as it was in discussion (its table renamed by discussion 0007): state only.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("discussion", "0007_notification_moves_out"),
        ("groups", "0003_auditevent"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="Notification",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("kind", models.CharField(choices=[("reply", "Reply"), ("mention", "Mention"), ("meeting", "New meeting"), ("join_request", "Join request"), ("join_answer", "Join request answered")], max_length=20)),
                        ("text", models.CharField(max_length=300)),
                        ("url", models.CharField(max_length=300)),
                        ("created", models.DateTimeField(default=django.utils.timezone.now)),
                        ("read", models.DateTimeField(blank=True, null=True)),
                        ("group", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="groups.studygroup")),
                        ("recipient", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="notifications", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        "ordering": ["-created", "-id"],
                        "indexes": [models.Index(condition=models.Q(("read__isnull", True)), fields=["recipient", "created"], name="notification_unread")],
                    },
                ),
            ],
        ),
    ]
