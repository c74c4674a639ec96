"""Confirming it is you with a code sent by email, beside allauth's password and two-step app.

allauth asks people to confirm it is them before something serious (deleting their
account); it offers a password or a two-step code. Members who sign in with emailed codes
may never have used a password, so this adds a third way, built on allauth's own
reauthentication page and its record of how the person confirmed.
"""

import secrets
import time

from allauth.account.adapter import get_adapter
from allauth.account.internal.flows.login import record_authentication
from allauth.account.views import BaseReauthenticateView
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseRedirect
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.decorators import method_decorator

from collaborative.templatetags.dates import duration_words

SESSION_KEY = "members_reauthentication_code"
CODE_LIFETIME = 600  # Seconds.
MAX_TRIES = 3


def _digest(code: str) -> str:
    return salted_hmac("members.reauthentication", code).hexdigest()


class CodeForm(forms.Form):
    code = forms.CharField(
        label="The code from the email",
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def __init__(self, *args, request, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.request = request

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split())
        sent = self.request.session.get(SESSION_KEY)
        if not sent or time.time() - sent["at"] > CODE_LIFETIME:
            raise forms.ValidationError('That code has run out. Press "Send me a new code" below.')
        sent["tries"] += 1
        self.request.session[SESSION_KEY] = sent
        if sent["tries"] > MAX_TRIES:
            raise forms.ValidationError('Too many wrong codes. Press "Send me a new code" below.')
        if not constant_time_compare(_digest(code), sent["digest"]):
            raise forms.ValidationError("That is not the code we sent. Check the email and try again.")
        return code


@method_decorator(login_required, name="dispatch")
class ReauthenticateByEmailView(BaseReauthenticateView):
    form_class = CodeForm
    template_name = "account/reauthenticate_by_email.html"

    def get_form_kwargs(self) -> dict:
        return {**super().get_form_kwargs(), "request": self.request}

    def post(self, request, *args, **kwargs) -> HttpResponse:
        if "send" in request.POST:
            code = f"{secrets.randbelow(1_000_000):06d}"
            request.session[SESSION_KEY] = {"digest": _digest(code), "at": time.time(), "tries": 0}
            get_adapter(request).send_mail(
                "account/email/reauthentication_code", request.user.email, {"code": code, "user": request.user}
            )
            messages.info(
                request, f"We have sent a code to {request.user.email}. It works for {duration_words(CODE_LIFETIME)}."
            )
            return HttpResponseRedirect(request.get_full_path())
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form) -> HttpResponse:
        # A wrong or late code answers 400, as every refused form on the site does (collaborative.views.render_page).
        response = super().form_invalid(form)
        response.status_code = 400
        return response

    def form_valid(self, form) -> HttpResponse:
        self.request.session.pop(SESSION_KEY, None)
        record_authentication(self.request, self.request.user, method="email_code", reauthenticated=True)
        return super().form_valid(form)

    def get_context_data(self, **kwargs) -> dict:
        sent = self.request.session.get(SESSION_KEY)
        return {**super().get_context_data(**kwargs), "code_sent": bool(sent)}


reauthenticate_by_email = ReauthenticateByEmailView.as_view()
