from django import forms

from members.models import AccessNeed, Collaborative, GroundRules, Perspective, User


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
        fields = ["name", "area", "description", "time_zone"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}
        help_texts = {"time_zone": "Meeting times are shown in this time zone, e.g. Europe/London."}


class GroundRulesForm(forms.ModelForm):
    class Meta:
        model = GroundRules
        fields = ["text"]
        labels = {"text": "Ground rules"}
        help_texts = {"text": "Leave a blank line between rules. Members will be asked to agree to the new version."}
        widgets = {"text": forms.Textarea(attrs={"rows": 14})}
