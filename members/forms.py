import re

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from members.models import AccessNeed, Collaborative, GroundRules, JoinRequest, Membership, Perspective, User


class SignupForm(forms.Form):
    """Extra sign-up fields; allauth asks for the email address and password itself."""

    display_name = forms.CharField(
        label="Your name",
        max_length=80,
        help_text="The name other members will see. It does not have to be your legal name.",
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )

    def signup(self, request, user: User) -> None:
        user.display_name = self.cleaned_data["display_name"]
        user.save(update_fields=["display_name"])


class ProfileForm(forms.ModelForm):
    perspectives = forms.MultipleChoiceField(
        label="Perspectives you bring (optional)",
        choices=Perspective.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Tick any that apply. They help the Collaborative see whose voices are at the table.",
    )
    access_needs = forms.MultipleChoiceField(
        label="Access needs (optional)",
        choices=AccessNeed.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Only you and your facilitators see these, so they can make meetings work for you.",
    )

    class Meta:
        model = User
        fields = [
            "display_name",
            "pronouns",
            "about",
            "perspectives",
            "perspectives_visibility",
            "organisation",
            "organisation_type",
            "organisation_visibility",
            "job_title",
            "job_title_visibility",
            "access_needs",
            "access_needs_other",
        ]
        labels = {
            "display_name": "Your name",
            "pronouns": "Pronouns (optional)",
            "about": "About me (optional)",
            "organisation": "Organisation (optional)",
            "organisation_type": "Type of organisation (optional)",
            "job_title": "Job title (optional)",
            "access_needs_other": "Anything else about access or diet, in your own words (optional)",
        }
        widgets = {
            "display_name": forms.TextInput(attrs={"autocomplete": "name"}),
            "about": forms.Textarea(attrs={"rows": 4}),
            "access_needs_other": forms.Textarea(attrs={"rows": 3}),
            "perspectives_visibility": forms.RadioSelect,
            "organisation_visibility": forms.RadioSelect,
            "job_title_visibility": forms.RadioSelect,
        }
        help_texts = {"job_title": "Job titles do not matter here; it stays hidden unless you choose to show it."}


class CollaborativeForm(forms.ModelForm):
    class Meta:
        model = Collaborative
        fields = [
            "name",
            "area",
            "description",
            "usual_meeting",
            "time_zone",
            "first_reminder_days",
            "second_reminder_days",
            "is_public",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}
        labels = {"description": "What the Collaborative is", "usual_meeting": "When and where you usually meet"}
        help_texts = {"time_zone": "Meeting times are shown in this time zone, e.g. Europe/London."}


class GroundRulesForm(forms.ModelForm):
    class Meta:
        model = GroundRules
        fields = ["text"]
        labels = {"text": "Ground rules"}
        help_texts = {"text": "Leave a blank line between rules. Members will be asked to agree to the new version."}
        widgets = {"text": forms.Textarea(attrs={"rows": 14})}


MAX_INVITATIONS = 200
# One entry of a pasted list: "Patel, Sam <sam@example.org>" as mail programs copy it (a
# name, which may hold a comma, then an address in angle brackets), or anything up to the
# next comma, semicolon or line break.
ENTRY = re.compile(r"[^;\n<>@]*<[^<>\n]+>|[^,;\n]+")


class InvitationForm(forms.Form):
    """Addresses pasted one a line or separated by commas; each bad line is reported on its own."""

    addresses = forms.CharField(
        label="Email addresses",
        help_text="One a line, or separated by commas. You can paste a list from a spreadsheet or an email.",
        widget=forms.Textarea(attrs={"rows": 6, "autocomplete": "off", "spellcheck": "false"}),
    )
    role = forms.ChoiceField(
        label="Their role",
        choices=Membership.Role.choices,
        initial=Membership.Role.MEMBER,
        widget=forms.RadioSelect,
        help_text="Everyone takes part as an equal. Facilitators also run meetings and invite people; "
        "commissioners also review the action log.",
    )
    message = forms.CharField(
        label="A personal message (optional)",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="It goes in the email, under your name.",
    )

    def clean_addresses(self) -> list[str]:
        """The good addresses in order; problems are kept in self.problems as (entry, reason)
        and the entries that are not addresses at all in self.not_addresses."""
        entries = [entry.strip(" \t,;") for entry in ENTRY.findall(self.cleaned_data["addresses"])]
        entries = [entry for entry in entries if entry]
        if len(entries) > MAX_INVITATIONS:
            raise ValidationError(f"Paste at most {MAX_INVITATIONS} addresses at a time.")
        good, seen, self.problems, self.not_addresses = [], set(), [], []
        for entry in entries:
            # "Sam Patel <sam@example.org>", as mail programs copy addresses, is understood too.
            address = re.sub(r"^[^<>]*<([^<>]+)>$", r"\1", entry).strip()
            try:
                validate_email(address)
            except ValidationError:
                self.problems.append((entry, "is not an email address. Check it for spaces or missing parts."))
                self.not_addresses.append(entry)
                continue
            if address.lower() in seen:
                self.problems.append((entry, "is in the list more than once. It counts once."))
                continue
            seen.add(address.lower())
            good.append(address)
        if not good:
            raise ValidationError("None of these is an email address we can send to. Check the list and try again.")
        return good


class JoinRequestForm(forms.ModelForm):
    # People never see this field; programs that fill in every field do, and are ignored.
    website = forms.CharField(required=False, label="Leave this empty", widget=forms.TextInput(attrs={"tabindex": -1}))

    class Meta:
        model = JoinRequest
        fields = ["name", "email", "message"]
        widgets = {
            "name": forms.TextInput(attrs={"autocomplete": "name"}),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "message": forms.Textarea(attrs={"rows": 4}),
        }


class ReplyForm(forms.Form):
    reply = forms.CharField(
        label="A message to them (optional)",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="It goes in the email we send them.",
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(label="Role", choices=Membership.Role.choices, widget=forms.RadioSelect)


class AccountDeleteForm(forms.Form):
    confirm = forms.BooleanField(
        label="I understand that my account and my personal data will be deleted, and that this cannot be undone",
        error_messages={"required": "Tick the box to say you understand, or go back to keep your account."},
    )
