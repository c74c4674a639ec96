"""A plain "try again in a minute" page when Redis or the Celery broker does not answer.

The cache carries on without Redis (collaborative/cache.py) and email waits in the
outbox while the broker is down (notifications/services.py), so this is the last line:
anything else on a page that needed Redis and raised gets this page, not an error page.
"""

import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from kombu.exceptions import OperationalError as BrokerDown

from collaborative.cache import REDIS_DOWN

logger = logging.getLogger(__name__)

SERVICES_DOWN = (*REDIS_DOWN, BrokerDown)


class ServiceUnavailableMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, SERVICES_DOWN):
            return None
        logger.warning("%s %s: Redis or the Celery broker did not answer.", request.method, request.path, exc_info=True)
        # No request context: the page must not depend on anything else being up.
        response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = "60"
        return response
