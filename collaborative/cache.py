"""The shared cache: Redis, or this process's memory while Redis does not answer.

allauth keeps its rate limits (failed sign-ins, sign-in codes, sign-ups) and the two-step
codes already used in the default cache. With Django's own Redis backend, Redis being
down makes every one of those requests an error page. Failing open (acting as if the
cache were empty and forgetting every write) would let anyone guess passwords without
limit for as long as Redis is down, so instead each process keeps counting in its own
memory: the limits still hold, per web process rather than for the whole site, until
Redis answers again.
"""

import logging
import time

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# Refused, timed out, or answering with an error (out of memory, read-only, not Redis at all).
REDIS_DOWN = (RedisError,)

# When Redis last failed, per LOCATION, for the whole process: Django makes one cache
# object per thread, and all of them should stop waiting on a Redis that is down.
_down_until: dict[str, float] = {}


class FallbackRedisCache(RedisCache):
    """Django's Redis cache that turns to local memory while Redis does not answer."""

    # After a failure, how long to use local memory before asking Redis again, so that a
    # Redis that is down costs one failed connection per process every half minute, not
    # one on every cache call.
    retry_after = 30.0

    def __init__(self, server, params):
        super().__init__(server, params)
        self._location = server if isinstance(server, str) else ",".join(server)
        # Same key prefix, version and timeout; one store per location, shared by threads.
        # Room for many addresses and accounts, so that trying many of them cannot push
        # out the counts that matter (the least recently used go first).
        options = {"MAX_ENTRIES": 10_000}
        self._fallback = LocMemCache(f"redis-fallback:{self._location}", {**params, "OPTIONS": options})

    def _call(self, method: str, *args, **kwargs):
        if time.monotonic() >= _down_until.get(self._location, 0.0):
            try:
                return getattr(super(), method)(*args, **kwargs)
            except REDIS_DOWN as error:
                _down_until[self._location] = time.monotonic() + self.retry_after
                logger.warning(
                    "Redis did not answer (%s); this process keeps the cache (and the sign-in rate "
                    "limits) in its own memory for the next %d seconds.",
                    error.__class__.__name__,
                    self.retry_after,
                )
        return getattr(self._fallback, method)(*args, **kwargs)

    def add(self, *args, **kwargs):
        return self._call("add", *args, **kwargs)

    def get(self, *args, **kwargs):
        return self._call("get", *args, **kwargs)

    def set(self, *args, **kwargs):
        return self._call("set", *args, **kwargs)

    def touch(self, *args, **kwargs):
        return self._call("touch", *args, **kwargs)

    def delete(self, *args, **kwargs):
        return self._call("delete", *args, **kwargs)

    def get_many(self, *args, **kwargs):
        return self._call("get_many", *args, **kwargs)

    def has_key(self, *args, **kwargs):
        return self._call("has_key", *args, **kwargs)

    def incr(self, *args, **kwargs):
        return self._call("incr", *args, **kwargs)

    def set_many(self, *args, **kwargs):
        return self._call("set_many", *args, **kwargs)

    def delete_many(self, *args, **kwargs):
        return self._call("delete_many", *args, **kwargs)

    def clear(self):
        return self._call("clear")
