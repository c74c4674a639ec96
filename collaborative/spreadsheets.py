"""Writing cells that a spreadsheet opens safely.

A cell starting =, +, -, @, a tab or a carriage return (or their full-width forms) is
read by Excel and others as a formula, so a title such as =HYPERLINK(...) typed by a
member could run when someone opens the download. Such cells get a leading apostrophe:
they show as the text that was typed, and never run.
"""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
# Written first in a CSV file so that Excel reads it as UTF-8 (names with accents stay right).
BYTE_ORDER_MARK = "\ufeff"


def inert(value) -> str:
    """A cell's text, with anything a spreadsheet would run as a formula made plain text."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
