"""Turning arbitrary user text into a safe FTS5 ``MATCH`` expression.

FTS5 has its own query language (``AND``, ``NEAR``, ``column:``, ``*``, quotes); raw user text
would either raise a syntax error or be read as operators. Every word is therefore quoted as a
literal phrase and the words are joined with ``OR`` so that bm25 ranks documents by how many and
how rare the matched words are.
"""

from __future__ import annotations

import re

MAX_QUERY_TOKENS = 64
"""More words than this add cost but hardly change the ranking."""

_WORD = re.compile(r"\w+", re.UNICODE)

# A short list: words that carry no meaning for recall but match nearly every memory.
_STOPWORD_TEXT = """
    a about above after again against all am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further
    had has have having he her here hers herself him himself his how i if in into is it its itself
    just me more most my myself no nor not now of off on once only or other our ours ourselves out
    over own same she should so some such than that the their theirs them themselves then there
    these they this those through to too under until up very was we were what when where which
    while who whom why will with would you your yours yourself yourselves
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


def query_tokens(text: str) -> list[str]:
    """The distinct, lower-cased, non-stopword words of ``text``, in order of appearance."""
    seen: dict[str, None] = {}
    for match in _WORD.finditer(text.lower()):
        word = match.group(0).strip("_")
        if word and word not in STOPWORDS and word not in seen:
            seen[word] = None
            if len(seen) >= MAX_QUERY_TOKENS:
                break
    return list(seen)


def build_match_query(text: str) -> str | None:
    """An FTS5 expression matching any word of ``text``; ``None`` if it has no usable word.

    Example:
        >>> build_match_query('what does "Alice" like? NEAR(x)')
        '"alice" OR "like" OR "near" OR "x"'
    """
    tokens = query_tokens(text)
    if not tokens:
        return None
    return match_expression(tokens)


def match_expression(tokens: list[str]) -> str:
    """The FTS5 expression matching any of ``tokens`` (each quoted as a literal).

    Example:
        >>> match_expression(["alice", "tea"])
        '"alice" OR "tea"'
    """
    # ``\w`` never matches a double quote, but escape anyway so the quoting stays correct if the
    # tokenizer pattern ever changes.
    return " OR ".join('"' + token.replace('"', '""') + '"' for token in tokens)
