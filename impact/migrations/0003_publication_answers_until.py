from django.db import migrations, models
from django.db.models import F


def answers_until_first_published(apps, schema_editor):
    """An ask published before this field existed shows the answers given up to the day it was first published:
    a facilitator reads any later one before it shows ("Show the latest answers" on the item's page)."""
    Publication = apps.get_model("impact", "Publication")
    Publication.objects.filter(kind="ask", answers_until=None).update(answers_until=F("first_published_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("impact", "0002_append_only"),
    ]

    operations = [
        migrations.AddField(
            model_name="publication",
            name="answers_until",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(answers_until_first_published, migrations.RunPython.noop),
    ]
