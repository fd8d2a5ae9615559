"""A plain BM25 ranker, the baseline the recall benchmarks compare py-cml's reads with.

Okapi BM25 with Lucene's idf (``ln(1 + (N - df + 0.5) / (df + 0.5))``, never negative),
``k1 = 1.5`` and ``b = 0.75``, over lower-cased word tokens with common English stopwords
removed and no stemming. It ranks one partition (a conversation, a question's history) at a
time, with that partition's own document frequencies: the baseline a per-partition full-text
index would give.
"""

from __future__ import annotations

import math
import re
from collections import Counter

K1 = 1.5
B = 0.75

_WORD = re.compile(r"\w+")

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


def tokenize(text: str) -> list[str]:
    """Lower-cased word tokens of ``text`` without stopwords."""
    return [word for word in _WORD.findall(text.lower()) if word not in STOPWORDS]


class BM25:
    """BM25 scores of a query against a fixed list of documents.

    Args:
        documents: The texts to rank, in a fixed order; ranks are indexes into this list.
    """

    def __init__(self, documents: list[str]) -> None:
        self._counts = [Counter(tokenize(text)) for text in documents]
        self._lengths = [sum(counts.values()) for counts in self._counts]
        total = len(documents)
        self._average = (sum(self._lengths) / total) if total else 0.0
        frequency: Counter[str] = Counter()
        for counts in self._counts:
            frequency.update(counts.keys())
        self._idf = {
            word: math.log(1.0 + (total - df + 0.5) / (df + 0.5)) for word, df in frequency.items()
        }

    def scores(self, query: str) -> list[float]:
        """One score per document (0 for a document sharing no word with the query)."""
        words = [word for word in set(tokenize(query)) if word in self._idf]
        result = []
        for counts, length in zip(self._counts, self._lengths, strict=True):
            norm = K1 * (1.0 - B + B * length / self._average) if self._average else K1
            total = 0.0
            for word in words:
                tf = counts.get(word, 0)
                if tf:
                    total += self._idf[word] * tf * (K1 + 1.0) / (tf + norm)
            result.append(total)
        return result

    def rank(self, query: str, limit: int) -> list[int]:
        """Indexes of the ``limit`` best documents with a positive score, best first.

        Ties keep document order, so the result is deterministic.
        """
        scored = [(score, index) for index, score in enumerate(self.scores(query)) if score > 0]
        scored.sort(key=lambda pair: (-pair[0], pair[1]))
        return [index for _, index in scored[:limit]]
