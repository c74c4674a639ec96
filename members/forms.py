from email.utils import getaddresses

from allauth.core import context as allauth_context
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from members.models import AccessNeed, Collaborative, GroundRules, JoinRequest, Membership, Perspective, User

# In the session: the name an invitation was sent to, to fill in the sign-up form.
INVITED_NAME = "members_invited_name"


class SignupForm(forms.Form):
    """Extra sign-up fields; allauth asks for the email address and password itself."""

    display_name = forms.CharField(
        label="Your name",
        max_length=80,
        help_text="The name other members will see. It does not have to be your legal name.",
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # allauth makes this form without the request; its middleware keeps the request at hand.
        request = allauth_context.request
        if request is not None and request.session.get(INVITED_NAME):
            self.fields["display_name"].initial = request.session[INVITED_NAME]

    def signup(self, request, user: User) -> None:
        user.display_name = self.cleaned_data["display_name"]
        user.save(update_fields=["display_name"])
        request.session.pop(INVITED_NAME, None)


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


def address_list_split(text: str) -> list[str]:
    """The entries of a pasted list of addresses, as typed: split at line breaks, and at commas
    and semicolons outside quotes, angle brackets and parentheses, so that
    '"Desai, Priya" <priya@example.org>' stays one entry. A line break always ends an entry,
    so one with a quote left open cannot swallow the lines after it.

    Outlook copies names unquoted, surname first ("Desai, Priya <priya@example.org>"): text
    with no @ followed by a comma is kept with the next entry when that has an address in
    angle brackets (one such piece at most: "Hello, Desai, Priya <...>" gives "Hello" apart).
    """
    pieces, current = [], []  # (text, the separator that ended it)
    quoted = escaped = angle = False
    depth = 0  # Of parentheses: a comment, such as "(Lambeth Council)".
    for char in text + "\n":
        if char in "\r\n" or (char in ",;" and not quoted and not angle and not depth):
            pieces.append(("".join(current), char))
            current, quoted, escaped, angle, depth = [], False, False, False, 0
            continue
        current.append(char)
        if quoted:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                quoted = False
        elif char == '"':
            quoted = True
        elif char in "<>":
            angle = char == "<"
        elif char == "(":
            depth += 1
        elif char == ")" and depth:
            depth -= 1
    entries, surname = [], None
    for piece, separator in pieces:
        if separator == "," and piece.strip() and "@" not in piece and "<" not in piece:
            # Only the piece just before an address can be (the surname in) its name; text
            # before that is an entry of its own, which is then reported as not an address.
            if surname is not None:
                entries.append(surname)
            surname = piece
            continue
        if surname is not None:
            if "<" in piece:
                piece = f"{surname},{piece}"
            else:
                entries.append(surname)
        surname = None
        entries.append(piece)
    return [entry.strip() for entry in entries if entry.strip()]


NOT_AN_ADDRESS = "is not an email address. Check it for spaces or missing parts."
# The longest address that can be delivered to (RFC 5321), and that Invitation.email holds.
MAX_ADDRESS_LENGTH = 254


def address_parse(entry: str) -> tuple[str, str]:
    """(name, address) for one entry, with the standard library's parser; a ValidationError
    saying what is wrong if it is not one address we can send to."""
    parsed = _address_parse(entry)
    if parsed is None:
        raise ValidationError(NOT_AN_ADDRESS)
    if len(parsed[1]) > MAX_ADDRESS_LENGTH:
        raise ValidationError(f"is too long for an email address: it can have at most {MAX_ADDRESS_LENGTH} characters.")
    return parsed


def _address_parse(entry: str) -> tuple[str, str] | None:
    """(name, address), or None if the entry is not one address."""
    if "<" in entry and "," in entry.split("<")[0] and '"' not in entry:
        # Outlook's "Desai, Priya <priya@example.org>": quoted, so the comma stays in the name.
        name, _, rest = entry.rpartition("<")
        entry = '"{}" <{}'.format(name.strip().replace("\\", "\\\\"), rest)
    found = [pair for pair in getaddresses([entry]) if pair != ("", "")]
    if len(found) != 1:
        return None
    name, address = found[0]
    # The parser glues stray words onto an address ("sam@example.org Sam" gives
    # "sam@example.orgSam"): an address that is not in the entry as typed is not one.
    if address.lower() not in entry.lower():
        return None
    try:
        validate_email(address)
    except ValidationError:
        return None
    name = " ".join(name.split())
    return ("" if "@" in name else name[:80], address)


class InvitationForm(forms.Form):
    """Addresses pasted one a line or separated by commas; each bad line is reported on its own."""

    addresses = forms.CharField(
        label="Email addresses",
        help_text="One a line, or separated by commas. You can paste a list from a spreadsheet or an email, "
        # Help texts are HTML (Django's password rules come as a list): the angle brackets are escaped.
        "names included, such as: Priya Desai &lt;priya@example.org&gt;",
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

    def clean_addresses(self) -> list[tuple[str, str]]:
        """The good (name, address) pairs in order; problems are kept in self.problems as
        (entry, reason) and the entries that are not addresses we can send to in self.not_addresses."""
        entries = address_list_split(self.cleaned_data["addresses"])
        if len(entries) > MAX_INVITATIONS:
            raise ValidationError(f"Paste at most {MAX_INVITATIONS} addresses at a time.")
        good, seen, self.problems, self.not_addresses = [], set(), [], []
        for entry in entries:
            try:
                parsed = address_parse(entry)
            except ValidationError as error:
                self.problems.append((entry, error.message))
                self.not_addresses.append(entry)
                continue
            if parsed[1].lower() in seen:
                self.problems.append((entry, "is in the list more than once. It counts once."))
                continue
            seen.add(parsed[1].lower())
            good.append(parsed)
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


class PaymentsContactForm(forms.Form):
    handles_payments = forms.ChoiceField(
        label="Payments contact",
        choices=[("yes", "Yes"), ("no", "No")],
        widget=forms.RadioSelect,
        error_messages={"required": 'Choose "Yes" or "No".'},
    )


class BreakForm(forms.Form):
    """Taking a break until a day the member chooses. Nothing asks why."""

    until = forms.DateField(
        label="Until",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="The last day of your break. Emails and reminders start again the day after.",
        error_messages={"required": "Choose the last day of your break."},
    )


class AccountDeleteForm(forms.Form):
    confirm = forms.BooleanField(
        label="I understand that my account and my personal data will be deleted, and that this cannot be undone",
        error_messages={"required": "Tick the box to say you understand, or go back to keep your account."},
    )
