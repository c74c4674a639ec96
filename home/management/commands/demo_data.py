from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from home.demo import demo_data_load

DEMO_PASSWORD = "living-well-demo"


class Command(BaseCommand):
    help = "Create demo Collaboratives and people to try the application with (DEBUG only; safe to run again)."

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG:
            raise CommandError("Demo data is for trying the application out: it only runs when DEBUG is on.")
        summary = demo_data_load(password=DEMO_PASSWORD)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {summary['collaboratives']} Collaboratives, {summary['people']} people."
            )
        )
