"""The e-mail switch becomes a choice: each notification, a daily digest, or none. Whoever
had turned e-mail off keeps it off."""

from django.db import migrations, models


def keep_the_switch(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    User.objects.filter(email_notifications=False).update(email_choice="none")


def back_to_the_switch(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    User.objects.filter(email_choice="none").update(email_notifications=False)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="email_choice",
            field=models.CharField(
                choices=[
                    ("each", "Each one, as it happens"),
                    ("daily", "A daily digest, in the morning"),
                    ("none", "None: I will look in the app"),
                ],
                default="each",
                help_text="Replies, mentions, meetings and their reminders.",
                max_length=10,
                verbose_name="e-mail about my groups",
            ),
        ),
        migrations.AddField(
            model_name="user",
            name="digest_due",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="user",
            name="digest_sent",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(keep_the_switch, back_to_the_switch),
        migrations.RemoveField(
            model_name="user",
            name="email_notifications",
        ),
    ]
