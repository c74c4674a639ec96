from django import forms

from members.models import Collaborative, GroundRules, Perspective, User


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

    class Meta:
        model = User
        fields = ["display_name", "perspectives"]
        labels = {"display_name": "Your name"}
        widgets = {"display_name": forms.TextInput(attrs={"autocomplete": "name"})}


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
