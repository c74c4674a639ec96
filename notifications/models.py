from datetime import time

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from members.models import Collaborative
from notifications.kinds import Frequency, UnknownKind, kind_named


class MessageQuerySet(models.QuerySet):
    def for_collaborative(self, collaborative):
        return self.filter(collaborative=collaborative)

    def for_recipient(self, user):
        return self.filter(recipient=user)


# Why delivery did not send an email (notifications/delivery.py), as stored in Message.last_error,
# and the same in the words of the person it was for. A kind's own reasons (the meeting was
# cancelled…) are plain sentences about the thing, the same for everyone, and are shown as they are.
NO_SUCH_KIND = "This kind of email is no longer sent."
ABOUT_GONE = "What this email was about no longer exists."
ACCOUNT_CLOSED = "The account is closed."
NOT_A_MEMBER = "No longer a member of this Collaborative."
TURNED_OFF = "The member has turned off this kind of email."
DIGEST_OFF = "The member chose this for their digest, and has turned their digest off."
ON_A_BREAK = "Taking a break until {until}."
ACCOUNT_DELETED = "The account was deleted."
NO_ADDRESS = "The member has no email address."
MAIL_SERVER_REFUSED = "The mail server would not accept"  # …"the email for …", then its reply.
NOT_WRITTEN = "We could not write this email. The problem is on our side; the details are in the site's log."
GAVE_UP = "Gave up after"  # …"after 8 tries", then the mail server's last reply.

SKIPPED_FOR_THE_RECIPIENT = {
    ACCOUNT_CLOSED: "Your account was closed.",
    NOT_A_MEMBER: "You were no longer a member of this Collaborative.",
    TURNED_OFF: "You had turned off this kind of email.",
    DIGEST_OFF: "You chose to get this in your digest, and had turned your digest off.",
    ACCOUNT_DELETED: "Your account was deleted.",
}
# Failures by how the stored text starts: the rest may be a mail server's reply, never shown.
FAILED_FOR_THE_RECIPIENT = [
    (NO_ADDRESS, "Your account has no email address."),
    (NOT_WRITTEN, "Something went wrong on our side while writing it. We have been told."),
    (MAIL_SERVER_REFUSED, "Your email provider would not accept it. Check the address on your profile."),
    (GAVE_UP, "We tried several times but could not get it through to your email provider."),
]


class Message(models.Model):
    """One email to one person: the outbox row that delivery works from.

    The unique key (recipient, kind, object, occasion) means the same reminder can
    never be queued twice, however often the code that queues it runs.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENDING = "sending", "Being sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Could not be sent"
        SKIPPED = "skipped", "Not sent"
        # Kept for the person's digest (they chose "in my digest" for this kind): the digest that
        # gathered it is `digest`.
        HELD = "held", "Kept for your digest"

    # A member, or for an invitation an address that may not have an account yet.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="messages", null=True, blank=True
    )
    to_address = models.EmailField(blank=True, default="")
    # Who was told what is kept: a Collaborative with messages cannot be deleted. None only for an email to an
    # address about nothing of any Collaborative's (the answer to a reply by email sent to an address we do not
    # know, say): no Collaborative lists it among the emails it sent.
    collaborative = models.ForeignKey(
        Collaborative, on_delete=models.PROTECT, related_name="messages", null=True, blank=True
    )
    kind = models.CharField(max_length=40)
    about_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    about_id = models.PositiveBigIntegerField()
    about = GenericForeignKey("about_type", "about_id")
    occasion = models.CharField(max_length=60, blank=True, default="")
    due_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    # Each scan that claims a row gives it a new token; a send task only acts on rows
    # that still carry the token it was given.
    claim = models.CharField(max_length=32, blank=True, default="")
    claimed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_to = models.EmailField(blank=True, default="")
    subject = models.CharField(max_length=200, blank=True, default="")
    # The plain-text email as it was sent, for the person to read again ("Emails sent to you").
    # Erasing the person's data empties it.
    body = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    # For a message held for the digest: the digest email that gathered it, once one has. A
    # message is gathered once, so nothing is in two digests.
    digest = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="gathered")

    objects = MessageQuerySet.as_manager()

    class Meta:
        ordering = ["-due_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "kind", "about_type", "about_id", "occasion"],
                name="message_once_per_occasion",
            ),
            models.UniqueConstraint(
                fields=["to_address", "kind", "about_type", "about_id", "occasion"],
                condition=models.Q(recipient__isnull=True),
                name="message_once_per_occasion_to_address",
            ),
            models.CheckConstraint(
                condition=models.Q(recipient__isnull=False, to_address="")
                | models.Q(recipient__isnull=True) & ~models.Q(to_address=""),
                name="message_to_member_or_address",
            ),
            models.CheckConstraint(
                condition=models.Q(collaborative__isnull=False) | models.Q(recipient__isnull=True),
                name="message_to_member_has_collaborative",
            ),
            models.CheckConstraint(
                condition=models.Q(status="sent", sent_at__isnull=False) | ~models.Q(status="sent"),
                name="message_sent_has_sent_at",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "due_at"], name="message_due"),
            models.Index(
                fields=["recipient", "collaborative"],
                condition=models.Q(status="held", digest__isnull=True),
                name="message_held_for_digest",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.recipient_id or self.to_address} ({self.status})"

    @property
    def address(self) -> str:
        """Where the email goes: the member's address now, or the address it was queued for."""
        return self.recipient.email if self.recipient_id else self.to_address

    @property
    def recipient_name(self) -> str:
        return self.recipient.display_name if self.recipient_id else self.to_address

    @property
    def reason(self) -> str:
        """Why it was not sent (or not yet), in plain words for the person it was for: no mail
        server's reply or other technical text, which `last_error` may hold for the site's log."""
        if self.status == self.Status.SENT or not self.last_error:
            return ""
        error = self.last_error
        if self.status == self.Status.SKIPPED:
            return SKIPPED_FOR_THE_RECIPIENT.get(error, error)
        if self.status == self.Status.FAILED:
            for start, words in FAILED_FOR_THE_RECIPIENT:
                if error.startswith(start):
                    return words
            return "It could not be delivered."
        # Waiting to be sent again after the mail server asked us to wait.
        return "Your email provider asked us to wait, so we will try again soon."

    def get_kind_display(self) -> str:
        try:
            return kind_named(self.kind).label
        except UnknownKind:
            return self.kind


class Preference(models.Model):
    """A person's choice about one kind of email: whether to get it, and how often for digests."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_preferences")
    kind = models.CharField(max_length=40)
    enabled = models.BooleanField(default=True)
    # For kinds that can wait for the digest (Kind.digestible): True "in my digest", False "each
    # time", None the kind's default (Kind.digest_default). `enabled` False is "off" either way.
    in_digest = models.BooleanField(null=True, blank=True, default=None)
    frequency = models.CharField(max_length=10, choices=Frequency.CHOICES, default=Frequency.WEEKLY)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="preference_once_per_kind")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: {'on' if self.enabled else 'off'}"


class DigestSchedule(models.Model):
    """When a person's digest goes: every day or every week, at a time of day where their Collaborative is."""

    class Frequency(models.TextChoices):
        DAILY = "daily", "Every day"
        WEEKLY = "weekly", "Every week"

    class Weekday(models.IntegerChoices):
        MONDAY = 0, "Monday"
        TUESDAY = 1, "Tuesday"
        WEDNESDAY = 2, "Wednesday"
        THURSDAY = 3, "Thursday"
        FRIDAY = 4, "Friday"
        SATURDAY = 5, "Saturday"
        SUNDAY = 6, "Sunday"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digest_schedule")
    frequency = models.CharField("how often", max_length=10, choices=Frequency.choices, default=Frequency.DAILY)
    weekday = models.SmallIntegerField("on which day (weekly)", choices=Weekday.choices, default=Weekday.MONDAY)
    send_at = models.TimeField("at what time", default=time(8, 0))
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.get_frequency_display()} at {self.send_at:%H:%M}"
