from django.db import migrations

from members.secrets import PREFIX, secret_decrypt, secret_encrypt


def _each_secret(apps, change):
    Authenticator = apps.get_model("mfa", "Authenticator")
    for authenticator in Authenticator.objects.all():
        data = dict(authenticator.data)
        for key in ("secret", "seed"):
            if isinstance(data.get(key), str):
                data[key] = change(data[key])
        if isinstance(data.get("migrated_codes"), list):
            data["migrated_codes"] = [change(code) for code in data["migrated_codes"]]
        if data != authenticator.data:
            authenticator.data = data
            authenticator.save(update_fields=["data"])


def encrypt(apps, schema_editor):
    """Secrets stored before they were encrypted (members/secrets.py) are encrypted now."""
    _each_secret(apps, lambda value: value if value.startswith(PREFIX) else secret_encrypt(value))


def decrypt(apps, schema_editor):
    _each_secret(apps, secret_decrypt)


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0008_invitation_name"),
        ("mfa", "0003_authenticator_type_uniq"),
    ]

    operations = [migrations.RunPython(encrypt, decrypt)]
