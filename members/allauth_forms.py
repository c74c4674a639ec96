"""Changes to allauth's own forms.

Kept apart from members/forms.py: allauth imports members.forms.SignupForm while its
own forms module is still loading, so that module cannot import allauth's forms.
"""

from allauth.account.forms import LoginForm as AllauthLoginForm


class LoginForm(AllauthLoginForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if "remember" in self.fields:
            self.fields["remember"].label = "Keep me signed in on this device"
