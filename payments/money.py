"""Money as whole pence: read from what people type in pounds, shown back in pounds.

Amounts are integers of pence everywhere (models, sums, exports); a Decimal is used only on the way
in, so that "12.5" and "£12.50" are the same 1250p and nothing is ever a float.
"""

import re
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError

from payments.models import MAX_PENCE

# A plain amount in pounds, once "£", commas and spaces are taken out: up to 7 figures, and pence or not.
# Nothing else (no "1e3", no "-5", no 30 nines) ever reaches Decimal.
PLAIN_POUNDS = re.compile(r"\d{1,7}(\.\d{1,2}0*)?", re.ASCII)
MORE_PENCE = re.compile(r"\d{1,7}\.\d{3,}", re.ASCII)


def pence_from_pounds(text: str) -> int:
    """ "12.50", "£12.50", "12" or "1,200" as pence; anything else is a clear error (a ValidationError, never
    anything else)."""
    cleaned = re.sub(r"[£,\s]", "", str(text))
    if not PLAIN_POUNDS.fullmatch(cleaned):
        if MORE_PENCE.fullmatch(cleaned):
            raise ValidationError("Give the amount to the penny, for example 12.50.")
        if re.fullmatch(r"\d{8,}(\.\d*)?", cleaned, re.ASCII):
            raise ValidationError("That is more than £10,000. Check the amount.")
        raise ValidationError("Give an amount in pounds, for example 12.50.")
    pence = int(Decimal(cleaned) * 100)
    if pence > MAX_PENCE:
        raise ValidationError("That is more than £10,000. Check the amount.")
    return pence


def pounds(pence: int | None) -> str:
    """1250 as "£12.50", -1250 as "-£12.50"."""
    if pence is None:
        return ""
    sign = "-" if pence < 0 else ""
    whole, part = divmod(abs(pence), 100)
    return f"{sign}£{whole:,}.{part:02d}"


def pounds_plain(pence: int) -> str:
    """1250 as "12.50": for spreadsheets, where the column says it is pounds."""
    sign = "-" if pence < 0 else ""
    whole, part = divmod(abs(pence), 100)
    return f"{sign}{whole}.{part:02d}"


def times_rate(quantity: Decimal, rate_pence: int) -> int:
    """A rate times hours or miles, to the nearest penny, halves rounded up (as HMRC and payroll do)."""
    return int((Decimal(quantity) * rate_pence).quantize(Decimal("1"), rounding=ROUND_HALF_UP))
