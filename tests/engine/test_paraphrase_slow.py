"""With the real MiniLM model, a paraphrase finds the memory it means."""

from __future__ import annotations

from pathlib import Path

import pytest

from cml.engine import EngineConfig, open_engine
from cml.models import ReadRequest, WriteRequest


@pytest.mark.slow
def test_paraphrase_query_finds_the_right_memory(tmp_path: Path) -> None:
    config = EngineConfig(database_url=f"sqlite:///{tmp_path}/cml.db", embedding_provider="local")
    with open_engine(config) as engine:
        ids = {}
        for key, content in [
            ("diet", "I don't eat meat or fish"),
            ("car", "My car is a red hatchback from 2015"),
            ("job", "I work as a nurse at the city hospital"),
            ("pet", "We adopted a golden retriever puppy last spring"),
        ]:
            response = engine.memories.write("acme", WriteRequest(content=content))
            assert response.memory_id is not None
            ids[key] = response.memory_id
        for query, key in [
            ("Is the user a vegetarian?", "diet"),
            ("What vehicle do they drive?", "car"),
            ("What is their profession?", "job"),
            ("Do they have a dog?", "pet"),
        ]:
            hits = engine.memories.read("acme", ReadRequest(query=query, max_results=4))
            assert hits.memories[0].id == ids[key], query
