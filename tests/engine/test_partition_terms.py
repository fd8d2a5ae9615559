"""Recall weighs query words by the partition being searched, not by the whole store."""

from __future__ import annotations

import dataclasses

from cml.engine import Engine, EngineConfig, open_engine
from cml.engine.read.retrieval import RankingWeights
from cml.models import BatchWriteItem, BatchWriteRequest, ReadRequest, WriteRequest

ANSWER = "Joanna: my turtles finally ate the lettuce from the garden this morning"


def _conversation(engine: Engine) -> str:
    """The name Nate is rare in the store but in most memories of "chat"; "turtles" is the
    other way round."""
    for namespace in ("ops", "sales"):
        items = [
            BatchWriteItem(content=f"{namespace} {i}: the turtles tank {i} was cleaned")
            for i in range(60)
        ]
        engine.memories.write_batch("acme", BatchWriteRequest(items=items, namespace=namespace))
    chat = [BatchWriteItem(content=f"Nate: see you soon, take care {i}!") for i in range(40)]
    chat += [BatchWriteItem(content=f"Joanna: that sounds lovely, note {i}") for i in range(20)]
    engine.memories.write_batch("acme", BatchWriteRequest(items=chat, namespace="chat"))
    written = engine.memories.write("acme", WriteRequest(content=ANSWER, namespace="chat"))
    assert written.memory_id is not None
    return written.memory_id


def _first(engine: Engine, query: str) -> str:
    request = ReadRequest(query=query, max_results=5, namespace="chat")
    return engine.memories.read("acme", request).memories[0].id


def test_a_name_common_in_the_partition_does_not_outrank_the_topic(engine: Engine) -> None:
    answer = _conversation(engine)
    assert _first(engine, "the turtles of Nate") == answer


def test_with_every_word_kept_the_partition_scores_still_rank_the_topic_first(
    config: EngineConfig,
) -> None:
    # No word left out of the full-text query: the scores themselves use the partition's
    # statistics, where "Nate" is common and "turtles" rare (store-wide, it is the reverse).
    # The speaker stage is off too: it would favour Nate's own turns for naming him.
    weights = dataclasses.replace(RankingWeights(), common_share=0.0, speaker=0.0)
    with open_engine(config, weights=weights) as engine:
        answer = _conversation(engine)
        assert _first(engine, "the turtles of Nate") == answer
