# The inbox moved to its own app (studygroup.notifications): the table is renamed and kept,
# rows and ids untouched; notifications 0001 takes the model over in the migration state.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("discussion", "0006_answer_activity_index"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.AlterModelTable(name="notification", table="notifications_notification"),
            ],
            state_operations=[migrations.DeleteModel(name="Notification")],
        ),
    ]
