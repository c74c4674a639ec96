"""Changes to allauth's own forms.

Kept apart from members/forms.py: allauth imports members.forms.SignupForm while its
own forms module is still loading, so that module cannot import allauth's forms.
"""

from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.mfa.base import forms as mfa_forms
from allauth.mfa.totp import forms as mfa_totp_forms


class LoginForm(AllauthLoginForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if "remember" in self.fields:
            self.fields["remember"].label = "Keep me signed in on this device"


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
