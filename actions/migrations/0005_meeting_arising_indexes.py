from django.db import migrations, models


class Migration(migrations.Migration):
    """A meeting's matters arising counted, and its actions listed, from indexes (actions.selectors.meeting_actions)."""

    dependencies = [
        ("actions", "0004_review_names"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="action", name="action_updated"),
        migrations.AddIndex(
            model_name="action",
            index=models.Index(
                condition=models.Q(("status__in", ("open", "in_progress", "blocked"))),
                fields=["collaborative", "due_on", "id"],
                include=("updated_at", "meeting"),
                name="action_live_due",
            ),
        ),
        migrations.AddIndex(
            model_name="action",
            index=models.Index(
                fields=["collaborative", "updated_at"],
                include=("status", "due_on", "meeting", "id"),
                name="action_updated",
            ),
        ),
        migrations.AddIndex(
            model_name="action",
            index=models.Index(fields=["meeting", "id"], name="action_meeting"),
        ),
    ]
