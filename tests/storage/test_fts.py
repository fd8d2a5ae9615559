"""Building safe FTS5 queries from user text."""

from __future__ import annotations

import sqlite3

import pytest

from cml.storage.fts import MAX_QUERY_TOKENS, build_match_query, query_tokens


def test_words_are_quoted_and_joined_with_or() -> None:
    assert build_match_query('Where is "Alice" AND Bob?') == '"alice" OR "bob"'


def test_repeated_words_and_stopwords_are_dropped() -> None:
    assert query_tokens("The cat and the other cat") == ["cat"]


def test_long_queries_are_capped() -> None:
    assert len(query_tokens(" ".join(f"w{i}" for i in range(1000)))) == MAX_QUERY_TOKENS


@pytest.mark.parametrize("text", ["", "the of and", "🙂 ?! ...", "___"])
def test_no_usable_words_gives_none(text: str) -> None:
    assert build_match_query(text) is None


@pytest.mark.parametrize(
    "text", ['NEAR("a" b)', "x:y", "cat*", "^start", "-none", "(((x", 'O"Brien', "咖啡 café"]
)
def test_built_queries_are_valid_fts5(text: str) -> None:
    query = build_match_query(text)
    assert query is not None
    conn = sqlite3.connect(":memory:")
    try:
        conn.execute("CREATE VIRTUAL TABLE t USING fts5(content, tokenize='porter unicode61')")
        conn.execute("INSERT INTO t (content) VALUES ('start of the sentence')")
        conn.execute("SELECT rowid FROM t WHERE t MATCH ?", (query,)).fetchall()
    finally:
        conn.close()
