"""Money as whole pence: read from what people type in pounds, shown back in pounds.

Amounts are integers of pence everywhere (models, sums, exports); a Decimal is used only on the way
in, so that "12.5" and "£12.50" are the same 1250p and nothing is ever a float.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError

from payments.models import MAX_PENCE


def pence_from_pounds(text: str) -> int:
    """ "12.50", "£12.50", "12" or "1,200" as pence; anything else is a clear error."""
    cleaned = str(text).strip().replace("£", "").replace(",", "").strip()
    try:
        pounds = Decimal(cleaned)
    except InvalidOperation:
        raise ValidationError("Give an amount in pounds, for example 12.50.") from None
    if not pounds.is_finite() or pounds < 0:
        raise ValidationError("Give an amount in pounds, for example 12.50.")
    if pounds != pounds.quantize(Decimal("0.01")):
        raise ValidationError("Give the amount to the penny, for example 12.50.")
    pence = int(pounds * 100)
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
