from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django.urls import reverse

from members.secrets import secret_decrypt, secret_encrypt
from members.selectors import verified_addresses
from members.services import address_unconfirmed_copies_remove


class AccountAdapter(DefaultAccountAdapter):
    """allauth, with its messages in plainer words."""

    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "email_password_mismatch": "The email address or password is not right. Check both and try again.",
        "too_many_login_attempts": "Too many tries to sign in. Please wait a few minutes, then try again.",
        "rate_limited": "Too many tries in a short time. Please wait a few minutes, then try again.",
    }

    def save_user(self, request, user, form, commit: bool = True):
        """Sign-up: an address another account only added unconfirmed does not stop anyone
        signing up with it (see members.allauth_forms.SignupForm), and is taken off that account."""
        user = super().save_user(request, user, form, commit)
        address_unconfirmed_copies_remove(address=user.email, user=user)
        return user

    def authenticate(self, request, **credentials):
        """A password signs in only with an address that is the account's own, main or confirmed.

        allauth also tries the accounts that only added the address unconfirmed: someone who
        added another person's address could sign in with it, and allauth would then email that
        person a link that confirms the address on the adder's account.
        """
        user = super().authenticate(request, **credentials)
        email = credentials.get("email")
        if user is not None and email and email.lower() not in verified_addresses(user):
            self.authentication_failed(request, **credentials)
            return None
        return user

    # allauth's ways to confirm it is you, in plainer words.
    reauthentication_descriptions = {
        "reauthenticate": "Type your password",
        "mfa_reauthenticate": "Use a code from your two-step app",
    }

    def get_reauthentication_methods(self, user) -> list[dict]:
        """allauth's ways to confirm it is you (password, two-step app), and a code sent by email.

        People who sign in with emailed codes may not remember a password.
        """
        methods = [
            {**method, "description": self.reauthentication_descriptions.get(method["id"], method["description"])}
            for method in super().get_reauthentication_methods(user)
        ]
        if user.is_authenticated and user.email:
            url = reverse("members:reauthenticate_by_email")
            methods.append({"id": "email_code", "description": "Email me a code", "url": url})
        return methods


class MFAAdapter(DefaultMFAAdapter):
    """allauth's two-step sign-in, with its messages in plainer words."""

    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "incorrect_code": (
            "That code is not right. Type the 6 numbers your app shows now; they change every 30 seconds."
        ),
        "unverified_email": "Confirm your email address first (use the link we emailed you), then set this up.",
    }

    def encrypt(self, text: str) -> str:
        """Authenticator secrets and recovery-code seeds are stored encrypted (members/secrets.py)."""
        return secret_encrypt(text)

    def decrypt(self, encrypted_text: str) -> str:
        return secret_decrypt(encrypted_text)
