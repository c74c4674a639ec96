"""Makes the floor app's database ready; prints the session cookie of a signed-in user and the page's query count.

    DJANGO_SETTINGS_MODULE=floor.settings FLOOR_DATABASE_URL=… SECRET_KEY=… python -m floor.prepare

Run from bench/ by bench/load.py, in a process of its own (the benchmark's own process has the
project's settings).
"""

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import Group, User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

call_command("migrate", interactive=False, verbosity=0)
Group.objects.get_or_create(name="Readers")
user, _ = User.objects.get_or_create(username="floor", defaults={"email": "floor@bench.invalid"})
client = Client()
client.force_login(user)
client.get("/")
with CaptureQueriesContext(connection) as queries:
    assert client.get("/").status_code == 200
print(client.cookies[settings.SESSION_COOKIE_NAME].value, len(queries.captured_queries))
