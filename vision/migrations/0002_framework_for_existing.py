from django.db import migrations

# A copy of vision.services.DEFAULT_FRAMEWORK as it was when this migration was written:
# migrations must not change when the code does.
FRAMEWORK = [
    (
        "Creating, holding and refreshing the vision and values",
        "",
        [
            "We are clear about our motivation and vision",
            "Our vision is informed by lived experience",
            "We review and refresh our goals",
            "We are in it for the long haul",
            "We know our core Living Well values",
        ],
    ),
    (
        "Building a movement",
        "Engaging communities and stakeholders, and amplifying the voices of people previously marginalised "
        "or not heard",
        [
            "We gather and use evidence",
            "We test adoption of Living Well",
            "We help others overcome barriers to change",
            "We embed a culture of shared risk and accountability",
            "We use strategic levers to make change happen",
        ],
    ),
    (
        "Leading and championing the change process",
        "",
        [
            "We make sure that voices from across our community are heard",
            "We engage colleagues from across the system",
            "We build our movement through relationships and networks",
            "We embed a culture of shared risk and accountability",
            "We use strategic levers to make change happen",
        ],
    ),
    (
        "Unlocking and releasing capacity",
        "Securing people's time and permission to participate",
        [
            "We use resources from across the system",
            "We give permission to try new things",
            "We use our power and influence to help others participate",
            "We take responsibility for others' wellbeing",
            "We help others commit time, energy and ideas",
        ],
    ),
    (
        "Holding the wider system to account",
        "Ensuring that new forms of practice, commissioning and leadership are developed and sustained",
        [
            "We bring ourselves fully to the work",
            "We communicate openly and effectively",
            "We are clear about our purpose and responsibility",
            "We have the will and power to get things done",
            "We generate learning for others",
        ],
    ),
]


def add_framework(apps, schema_editor):
    Collaborative = apps.get_model("members", "Collaborative")
    KeyRole = apps.get_model("vision", "KeyRole")
    Statement = apps.get_model("vision", "Statement")
    for collaborative in Collaborative.objects.all():
        if KeyRole.objects.filter(collaborative=collaborative).exists():
            continue
        for number, (title, description, statements) in enumerate(FRAMEWORK, start=1):
            key_role = KeyRole.objects.create(
                collaborative=collaborative, number=number, title=title, description=description
            )
            Statement.objects.bulk_create(
                Statement(key_role=key_role, text=text, source="Living Well UK", position=position)
                for position, text in enumerate(statements)
            )


class Migration(migrations.Migration):
    dependencies = [("vision", "0001_initial")]

    operations = [migrations.RunPython(add_framework, migrations.RunPython.noop)]
