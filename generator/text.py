"""Small text helpers shared by the reader and the validator."""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from collections.abc import Iterable

# C0 controls except tab and newline, DEL, C1 controls, bidirectional embeddings,
# overrides and isolates, and the non-characters U+FFFE/U+FFFF. Any of them can hide or
# reorder text in a page, a feed reader or a terminal.
_FORBIDDEN = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufffe\uffff\ud800-\udfff]"
)

_NAMES = {
    "\u202a": "LEFT-TO-RIGHT EMBEDDING",
    "\u202b": "RIGHT-TO-LEFT EMBEDDING",
    "\u202c": "POP DIRECTIONAL FORMATTING",
    "\u202d": "LEFT-TO-RIGHT OVERRIDE",
    "\u202e": "RIGHT-TO-LEFT OVERRIDE",
    "\u2066": "LEFT-TO-RIGHT ISOLATE",
    "\u2067": "RIGHT-TO-LEFT ISOLATE",
    "\u2068": "FIRST STRONG ISOLATE",
    "\u2069": "POP DIRECTIONAL ISOLATE",
    "\ufffe": "NONCHARACTER",
    "\uffff": "NONCHARACTER",
}

# What a message must never echo as is: line breaks and other controls (a contributor
# could forge extra output lines), bidi controls, and invisible characters (shown so a
# did-you-mean does not look identical to what was typed).
_UNPRINTABLE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufffe\uffff\ud800-\udfff]"
)


def printable(text: str) -> str:
    """`text` with every unprintable or invisible character written as an escape."""
    return _UNPRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}" if ord(m.group()) > 0xFF else f"\\x{ord(m.group()):02x}", text)


def _describe(char: str) -> str:
    return f"U+{ord(char):04X} {_NAMES.get(char) or unicodedata.name(char, 'control character')}"


# Bytes that are never part of a refused character's UTF-8 form: printable ASCII, tab,
# newline, and every byte but the lead bytes of U+0080-U+009F (C2), of the bidi controls
# (E2) and of U+FFFE/U+FFFF (EF). (Continuation bytes alone are harmless.)
_SURELY_FINE = bytes(b for b in range(256) if b in (9, 10) or 0x20 <= b < 0x7F or (b >= 0x80 and b not in (0xC2, 0xE2, 0xEF)))


def maybe_forbidden(data: bytes) -> bool:
    """False when UTF-8 `data` surely holds no refused character: one pass in C,
    several times faster than the regular expression, which then need not run."""
    return bool(data.translate(None, _SURELY_FINE))


def forbidden_char(text: str) -> tuple[int, str] | None:
    """Return (index, description) of the first character we refuse to publish."""
    match = _FORBIDDEN.search(text)
    return (match.start(), _describe(match.group())) if match else None


def forbidden_chars(text: str) -> list[tuple[int, str]]:
    """Every refused character: (index, description)."""
    return [(match.start(), _describe(match.group())) for match in _FORBIDDEN.finditer(text)]


def blank_forbidden(text: str) -> str:
    """Replace refused characters (already reported) so the YAML reader can go on."""
    return _FORBIDDEN.sub("\ufffd", text)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


@functools.lru_cache(maxsize=4096)  # term references recur in every entry
def fold(text: str) -> str:
    """The form used to match a term reference: case- and width-insensitive."""
    return unicodedata.normalize("NFKC", text).casefold().strip()


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """` (did you mean 'x'?)`, or an empty string when nothing is close."""
    pool = sorted(set(candidates))
    folded = {fold(c): c for c in pool}
    close = difflib.get_close_matches(fold(word), list(folded), n=1, cutoff=0.6)
    if not close:
        return ""
    return f" (did you mean '{folded[close[0]]}'?)"


def position(text: str, index: int, first_line: int = 1) -> tuple[int, int]:
    """1-based (line, col) of `index` in `text`, whose first line is `first_line`."""
    line = text.count("\n", 0, index)
    start = text.rfind("\n", 0, index) + 1
    return first_line + line, index - start + 1
