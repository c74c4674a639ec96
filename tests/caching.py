"""Measuring a page as it is made, not as it comes from the cache (collaborative.freshness)."""

import uuid
from contextlib import contextmanager

from django.conf import settings
from django.test import override_settings

from collaborative.freshness import data_version


@contextmanager
def nothing_cached():
    """Within the block, a cache of its own that holds nothing yet, so every part of a page is made afresh.
    The data's version is read first, as on any site that has served a page (an emptied test database
    makes its row at the first read)."""
    data_version()
    caches = {name: {**config, "KEY_PREFIX": f"test-{uuid.uuid4().hex}"} for name, config in settings.CACHES.items()}
    with override_settings(CACHES=caches):
        yield
