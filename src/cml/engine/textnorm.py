"""Text as the sensitive-data checks read it: invisible characters dropped, separators unified.

A credential or a card number can hide from a pattern behind characters a reader never sees: a
zero-width space inside ``AKIA...``, a no-break space between card digit groups, a soft hyphen,
a fullwidth digit, a token broken over two lines. The checks therefore match against a
normalised copy of the text. Secrets only need the copy (a match refuses the whole text);
redaction needs to know where in the original each match lies, so :func:`normalize` also
returns, for every character of the copy, the index of the original character it came from.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Normalized", "join_broken_tokens", "normalize"]

# Characters with no width: zero-width space/joiners, word joiner and invisible operators,
# soft hyphen, Mongolian vowel separator, byte-order mark, bidirectional marks.
_INVISIBLE = frozenset(
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b\u200c\u200d\u200e\u200f"
    "\u202a\u202b\u202c\u202d\u202e\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069"
    "\u3164\ufeff\uffa0"
)
# Horizontal spaces of every width, read as one ordinary space.
_SPACES = frozenset(
    "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f"
    "\u205f\u3000\t"
)
# Hyphens and dashes, read as ``-``.
_DASHES = frozenset("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d")


@dataclass(frozen=True)
class Normalized:
    """A normalised copy of a text and where each of its characters came from.

    Attributes:
        text: The copy: invisible characters dropped, spaces and dashes unified, compatibility
            forms (fullwidth letters and digits, ligatures) folded to their plain form.
        origin: For each character of ``text``, the index of the original character.
    """

    text: str
    origin: Sequence[int]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map a match ``[start, end)`` in :attr:`text` to the same span in the original.

        Args:
            start: First character of the match in the copy.
            end: One past its last character (``end > start``).

        Returns:
            The span in the original text, covering any invisible characters inside it.
        """
        return self.origin[start], self.origin[end - 1] + 1


def _fold(char: str) -> str:
    if char in _INVISIBLE:
        return ""
    if char in _SPACES:
        return " "
    if char in _DASHES:
        return "-"
    if char.isascii():
        return char
    folded = unicodedata.normalize("NFKC", char)
    # Only fold to plain ASCII (fullwidth letters and digits); other compatibility forms stay.
    return folded if folded.isascii() else char


def normalize(text: str) -> Normalized:
    """Normalise ``text`` for matching, remembering where each character came from.

    Args:
        text: Text as the caller sent it.

    Returns:
        The normalised copy and its map back to ``text``.

    Example:
        >>> normalize("4111\u00a01111").text
        '4111 1111'
    """
    if text.isascii() and "\t" not in text:
        return Normalized(text, range(len(text)))
    chars: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        for piece in _fold(char):
            chars.append(piece)
            origin.append(index)
    return Normalized("".join(chars), tuple(origin))


# A line break (with any indentation around it) after a run of at least 16 token characters and
# before a run of at least 8: how a long key or JWT looks when a chat client or an email wraps it.
_TOKEN_CHARS = r"A-Za-z0-9+/=_.\-"
# The break may also be written as an escape (``\\n``), as in metadata read as JSON text.
_BROKEN = re.compile(
    rf"(?<=[{_TOKEN_CHARS}]{{16}})[ ]*(?:\r?\n|(?:\\r)?\\n)[ ]*(?=[{_TOKEN_CHARS}]{{8}})"
)


def join_broken_tokens(text: str) -> str:
    r"""Re-join long tokens that were wrapped over several lines.

    Args:
        text: Normalised text (see :func:`normalize`).

    Returns:
        ``text`` with the line breaks between long runs of token characters removed (the same
        text when there are none).

    Example:
        >>> join_broken_tokens("eyJhbGciOiJIUzI1NiJ9.eyJz\nOiIxMjM0")
        'eyJhbGciOiJIUzI1NiJ9.eyJzOiIxMjM0'
    """
    return _BROKEN.sub("", text)
