"""What changed between two versions of the vision, word by word."""

import difflib
import re
from dataclasses import dataclass

from vision.models import VisionVersion

# Words and the spaces between them, so the changed text reads back exactly as written.
TOKENS = re.compile(r"\s+|[^\s]+")


@dataclass(frozen=True)
class Piece:
    """A run of text that is the same in both, only in the older ("removed") or only in the newer ("added")."""

    change: str  # "same", "removed" or "added"
    text: str


def word_diff(old: str, new: str) -> list[Piece]:
    """The older text turned into the newer, as runs of kept, removed and added words."""
    before, after = TOKENS.findall(old), TOKENS.findall(new)
    pieces: list[Piece] = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            pieces.append(Piece("same", "".join(before[a1:a2])))
            continue
        if op in ("delete", "replace"):
            pieces.append(Piece("removed", "".join(before[a1:a2])))
        if op in ("insert", "replace"):
            pieces.append(Piece("added", "".join(after[b1:b2])))
    return [piece for piece in pieces if piece.text]


@dataclass(frozen=True)
class ValueChange:
    """One value across two versions, matched by name (ignoring case)."""

    name: str
    change: str  # "same", "changed", "added" or "removed"
    meaning: list[Piece]


def values_diff(old: VisionVersion, new: VisionVersion) -> list[ValueChange]:
    """Values in the newer version's order, then any the newer version dropped."""
    before = {value.name.casefold(): value for value in old.values.all()}
    after = {value.name.casefold(): value for value in new.values.all()}
    changes = []
    for key, value in after.items():
        if key not in before:
            changes.append(ValueChange(value.name, "added", [Piece("added", value.meaning)]))
            continue
        meaning = word_diff(before[key].meaning, value.meaning)
        same = all(piece.change == "same" for piece in meaning)
        changes.append(ValueChange(value.name, "same" if same else "changed", meaning))
    for key, value in before.items():
        if key not in after:
            changes.append(ValueChange(value.name, "removed", [Piece("removed", value.meaning)]))
    return changes
