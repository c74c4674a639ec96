"""The payments' part of a person's data: their choices, the lines paid or owed to them, their
letters, and what they did as payments contact or facilitator.

Deleting an account keeps the financial records the law requires (HMRC asks for six years): the
lines and their history stay, under the account's new name "Former member". The person's choices
of how to be paid and their letters go.
"""

from collaborative.personal_data import FORMER_MEMBER, Erasure, Part, Person, Relation, when
from payments.models import Letter, Line, LineEvent, PaymentChoice, PaymentSettings
from payments.money import pounds_plain


def _export_choices(person: Person) -> list[dict]:
    """The person's own choices of how to be paid, whoever recorded them."""
    return _choices(PaymentChoice.objects.filter(user=person.user))


def _export_choices_recorded(person: Person) -> list[dict]:
    """The choices the person recorded for others (a facilitator for someone who asked them to)."""
    return _choices(PaymentChoice.objects.filter(made_by=person.user).exclude(user=person.user))


def _choices(rows) -> list[dict]:
    choices = rows.select_related("collaborative").order_by("made_at", "id")
    return [
        {
            "collaborative": c.collaborative.name,
            "choice": c.get_choice_display(),
            "lower_amount_pounds": pounds_plain(c.lower_amount_pence) if c.lower_amount_pence else None,
            "charity": c.charity,
            "as_part_of_my_job": c.as_part_of_job,
            "employer_pays_expenses": c.employer_pays_expenses,
            "paid_by": c.get_method_display(),
            "from": when(c.valid_from),
            "made": when(c.made_at),
        }
        for c in choices
    ]


def _line(line: Line) -> dict:
    return {
        "collaborative": line.collaborative.name,
        "for": line.description,
        "kind": line.get_kind_display(),
        "day": when(line.activity_on),
        "amount_pounds": pounds_plain(line.amount_pence),
        "paid_to": line.payee,
        "status": line.get_status_display(),
        "paid_on": when(line.paid_on),
        "payment_reference": line.paid_reference,
        "receipt": line.receipt_name,
        "recorded": when(line.created_at),
    }


def _export_lines(field: str):
    def export(person: Person) -> list[dict]:
        lines = Line.objects.filter(**{field: person.user}).select_related("collaborative").order_by("created_at", "id")
        return [_line(line) for line in lines]

    return export


def _export_events(person: Person) -> list[dict]:
    events = LineEvent.objects.filter(by=person.user).select_related("line__collaborative").order_by("at", "id")
    return [
        {
            "collaborative": e.line.collaborative.name,
            "line": e.line_id,
            "what": e.get_what_display(),
            "note": e.note,
            "when": when(e.at),
        }
        for e in events
    ]


def _export_settings(person: Person) -> list[dict]:
    rows = PaymentSettings.objects.filter(set_by=person.user).select_related("collaborative").order_by("set_at", "id")
    return [{"collaborative": s.collaborative.name, "from": when(s.valid_from), "set": when(s.set_at)} for s in rows]


def _export_letters(field: str):
    def export(person: Person) -> list[dict]:
        letters = Letter.objects.filter(**{field: person.user}).select_related("collaborative").order_by("asked_at")
        return [
            {
                "collaborative": letter.collaborative.name,
                "letter": letter.get_kind_display(),
                "from": when(letter.period_from),
                "to": when(letter.period_to),
                "employer": letter.employer,
                "status": letter.get_status_display(),
                "asked": when(letter.asked_at),
                "signed": when(letter.signed_at),
            }
            for letter in letters
        ]

    return export


def _erase(erasure: Erasure) -> None:
    PaymentChoice.objects.filter(user=erasure.user).delete()
    Letter.objects.filter(user=erasure.user).delete()
    # A signed letter keeps what it said (Letter.content), its signer's name with it: that name goes too.
    for letter in Letter.objects.filter(signed_by=erasure.user).exclude(content={}):
        letter.content = {**letter.content, "signer_name": FORMER_MEMBER}
        letter.save(update_fields=["content"])


KEPT = (
    "Kept for six years, as the law on financial records (HMRC) requires, under the name Former member. "
    "Receipts stay with them."
)

PART = Part(
    name="payments",
    order=70,
    relations={
        "payments.PaymentChoice.user": Relation(
            "how_you_chose_to_be_paid", _export_choices, "Deleted: your choices of how to be paid."
        ),
        "payments.PaymentChoice.made_by": Relation(
            "payment_choices_you_recorded",
            _export_choices_recorded,
            "Your own are deleted; those you recorded for others are theirs, and stay, shown as recorded by a "
            "Former member.",
        ),
        "payments.Line.user": Relation("payments_and_expenses", _export_lines("user"), KEPT),
        "payments.Line.created_by": Relation(
            "payments_you_recorded", _export_lines("created_by"), "Kept, shown as recorded by a Former member."
        ),
        "payments.LineEvent.by": Relation(
            "payment_steps_you_took",
            _export_events,
            "Kept exactly as they are: the history of a payment cannot be rewritten. It shows a Former member.",
        ),
        "payments.PaymentSettings.set_by": Relation(
            "payment_settings_you_set", _export_settings, "Kept, shown as set by a Former member."
        ),
        "payments.Letter.user": Relation("letters_you_asked_for", _export_letters("user"), "Deleted."),
        "payments.Letter.signed_by": Relation(
            "letters_you_signed", _export_letters("signed_by"), "Kept, shown as signed by a Former member."
        ),
    },
    erase=_erase,
)
