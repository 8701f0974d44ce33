# A meeting's last change, for the calendar feed's DTSTAMP: until now the feed gave its
# creation time; existing meetings start from that (or their cancellation, if later).

import django.utils.timezone
from django.db import migrations, models
from django.db.models.functions import Coalesce, Greatest


def from_what_is_known(apps, schema_editor):
    Meeting = apps.get_model("groups", "Meeting")
    Meeting.objects.update(revised=Greatest("created", Coalesce("cancelled_at", "created")))


class Migration(migrations.Migration):
    dependencies = [
        ("groups", "0007_attendance"),
    ]

    operations = [
        migrations.AddField(
            model_name="meeting",
            name="revised",
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
        migrations.RunPython(from_what_is_known, migrations.RunPython.noop),
    ]
