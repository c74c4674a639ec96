from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    """allauth, with its messages in plainer words."""

    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "email_password_mismatch": "The email address or password is not right. Check both and try again.",
        "too_many_login_attempts": "Too many tries to sign in. Please wait a few minutes, then try again.",
        "rate_limited": "Too many tries in a short time. Please wait a few minutes, then try again.",
    }
