from django.db import migrations, models


def _name(person) -> str:
    if person is None:
        return ""
    return person.display_name or "Former member"


def names_as_now(apps, schema_editor):
    """Rounds recorded before names were kept take the names as they are now, and keep them from here on."""
    ReviewRound = apps.get_model("actions", "ReviewRound")
    ReviewItem = apps.get_model("actions", "ReviewItem")
    User = apps.get_model("members", "User")
    for review in ReviewRound.objects.filter(signed_off_by__isnull=False).select_related("signed_off_by"):
        review.signed_off_by_name = _name(review.signed_off_by)
        review.save(update_fields=["signed_off_by_name"])
    for item in ReviewItem.objects.select_related("reviewed_by").iterator():
        snapshot = dict(item.snapshot)
        owner = User.objects.filter(pk=snapshot.get("owner_id") or 0).first()
        snapshot.setdefault("owner_name", _name(owner))
        if item.reviewed_at is not None:
            snapshot.setdefault("reviewer_name", _name(item.reviewed_by))
        if snapshot != item.snapshot:
            item.snapshot = snapshot
            item.save(update_fields=["snapshot"])


class Migration(migrations.Migration):
    dependencies = [
        ("actions", "0003_action_title_index"),
        ("members", "0006_reminder_days"),
    ]

    operations = [
        migrations.AddField(
            model_name="reviewround",
            name="signed_off_by_name",
            field=models.CharField(blank=True, max_length=80),
        ),
        migrations.RunPython(names_as_now, migrations.RunPython.noop),
    ]
