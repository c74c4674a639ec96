"""How long the codes and links of the account pages and emails last, in words ("3 minutes"),
read from the settings that decide it, so that what a page or email says cannot drift from them."""

from allauth.account import app_settings
from django import template
from django.conf import settings

from collaborative.templatetags.dates import duration_words
from members.reauthentication import CODE_LIFETIME

register = template.Library()


def lifetimes() -> dict[str, int]:
    """Each code or link, and how many seconds it works for."""
    return {
        "login_code": app_settings.LOGIN_BY_CODE_TIMEOUT,
        "reauthentication_code": CODE_LIFETIME,
        "password_reset": settings.PASSWORD_RESET_TIMEOUT,
        "email_confirmation": app_settings.EMAIL_CONFIRMATION_EXPIRE_DAYS * 86400,
    }


@register.simple_tag
def lasts(what: str) -> str:
    """`{% lasts "login_code" %}`: how long the code (or link) works, in words."""
    return duration_words(lifetimes()[what])


@register.simple_tag
def login_code_tries() -> int:
    """How many wrong codes a person may type before they must ask for a new one."""
    return app_settings.LOGIN_BY_CODE_MAX_ATTEMPTS
