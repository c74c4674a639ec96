"""The tests run on collaborative/settings.py with DEBUG on, as `make run` does.

The settings default to production values (DEBUG off, no SECRET_KEY). pytest-django
imports the settings before any conftest.py runs, so this module, named by
DJANGO_SETTINGS_MODULE in pyproject.toml, is the one place that can set the
environment first. It adds no settings of its own. Processes the tests start
(`manage.py`, workers) inherit the environment.
"""

import os

os.environ.setdefault("DEBUG", "true")

from collaborative.settings import *  # noqa: F403
