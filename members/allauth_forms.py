"""Changes to allauth's own forms.

Kept apart from members/forms.py: allauth imports members.forms.SignupForm while its
own forms module is still loading, so that module cannot import allauth's forms.
"""

from allauth.account import app_settings
from allauth.account.adapter import get_adapter
from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.forms import RequestLoginCodeForm as AllauthRequestLoginCodeForm
from allauth.account.forms import ResetPasswordForm as AllauthResetPasswordForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.mfa.base import forms as mfa_forms
from allauth.mfa.totp import forms as mfa_totp_forms

from members.selectors import accounts_owning, addresses_owned


class LoginForm(AllauthLoginForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if "remember" in self.fields:
            self.fields["remember"].label = "Keep me signed in on this device"


class SignupForm(AllauthSignupForm):
    def validate_unique_email(self, value: str) -> str:
        """An address is taken only when it is an account's own: its main address or one it confirmed.

        allauth counts any account that lists the address, confirmed or not, and (so as not to
        tell who has an account) then sends an "you already have an account" email instead of
        making one. Anyone can add someone else's address to their account unconfirmed, which
        would then stop that person from ever signing up. An address another account only
        added is not theirs: the new account is made, and once it confirms the address, no
        other account can (allauth allows one confirmed holder of each address).
        """
        if addresses_owned([value]):
            return super().validate_unique_email(value)
        self.account_already_exists = False
        return get_adapter().validate_unique_email(value)


# allauth finds the account for an address among every account that lists it, confirmed or
# not, and may pick one that only added it (members/selectors.py): a code or a reset link
# sent to the address would then open that account, and typing the code would confirm the
# address on it. Here only the accounts whose own address it is count (the password sign-in
# is checked in members.adapter.AccountAdapter.authenticate).


class RequestLoginCodeForm(AllauthRequestLoginCodeForm):
    def clean_email(self) -> str:
        email = super().clean_email()  # allauth's checks, and its rate limit.
        if email:
            accounts = accounts_owning(email)
            if not accounts and not app_settings.PREVENT_ENUMERATION:
                raise get_adapter().validation_error("unknown_email")
            self._user = accounts[0] if accounts else None
        return email


class ResetPasswordForm(AllauthResetPasswordForm):
    def clean_email(self) -> str:
        email = super().clean_email()
        self.users = accounts_owning(email)
        if not self.users and not app_settings.PREVENT_ENUMERATION:
            raise get_adapter().validation_error("unknown_email")
        return email


def _plain_code_field(form, label: str) -> None:
    field = form.fields["code"]
    field.label = label
    field.widget.attrs.pop("placeholder", None)
    field.widget.attrs.update({"inputmode": "numeric", "autocomplete": "one-time-code"})


class ActivateTOTPForm(mfa_totp_forms.ActivateTOTPForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _plain_code_field(self, "The 6-digit code your app shows")


class AuthenticateForm(mfa_forms.AuthenticateForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _plain_code_field(self, "The code from your app, or one of your recovery codes")
        self.fields["code"].widget.attrs.pop("inputmode")  # Recovery codes have letters.


class ReauthenticateForm(mfa_forms.ReauthenticateForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _plain_code_field(self, "The code from your app, or one of your recovery codes")
        self.fields["code"].widget.attrs.pop("inputmode")
