"""all-MiniLM-L6-v2 on ONNX Runtime: the shipped int8 graph and graphs converted without torch.

Every test that converts uses its own cache directory: a shared cache may be written by another
process at the same moment.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import shutil
from pathlib import Path

import numpy as np
import pytest

from cml.embeddings import LocalEmbedder, OnnxEmbedder
from cml.embeddings.convert import (
    PACKAGED_DIR,
    UPSTREAM_TOKENIZER_SHA256,
    UPSTREAM_WEIGHTS_SHA256,
    cached_graph,
    convert,
    packaged_graph,
    weights_dir,
    weights_sha256,
    writable_cache,
)

TEXTS = [
    "The cat is sleeping on the sofa.",
    "A kitten naps on the couch.",
    "Interest rates rose by half a percent.",
    "Caroline: I went to a LGBTQ support group yesterday and it was so powerful.",
    "x",
]


@pytest.fixture(scope="module")
def torch_vectors() -> np.ndarray:
    embedder = LocalEmbedder()
    try:
        return embedder.embed(TEXTS)
    finally:
        embedder.close()


def _embed(embedder: OnnxEmbedder) -> np.ndarray:
    try:
        return embedder.embed(TEXTS)
    finally:
        embedder.close()


# int8 agrees with torch at cosine >= 0.98 on 300 LoCoMo turns (scripts/compare_model.py); a
# one-letter text such as "x" is the hardest case (0.975).
@pytest.mark.slow
@pytest.mark.parametrize(
    ("precision", "floor", "batch_floor"), [("fp32", 0.9999, 0.9999), ("int8", 0.97, 0.97)]
)
def test_onnx_vectors_match_the_torch_model(
    precision: str, floor: float, batch_floor: float, torch_vectors: np.ndarray, tmp_path: Path
) -> None:
    embedder = OnnxEmbedder(precision=precision, cache_dir=tmp_path)  # type: ignore[arg-type]
    try:
        vectors = embedder.embed(TEXTS)
        # Batches are formed by length; each row must still belong to its own text.
        one_by_one = np.vstack([embedder.embed([text]) for text in TEXTS])
    finally:
        embedder.close()

    assert vectors.shape == (len(TEXTS), 384)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-4)
    agreement = np.sum(vectors * torch_vectors, axis=1)
    assert agreement.min() >= floor, agreement
    # int8 activations are quantized per forward pass, so the company of a text in its batch
    # moves its vector slightly; fp32 is exact either way.
    assert np.sum(one_by_one * vectors, axis=1).min() >= batch_floor
    assert float(vectors[0] @ vectors[1]) > float(vectors[0] @ vectors[2]) + 0.3


def test_the_int8_model_ships_ready(tmp_path: Path) -> None:
    shipped = packaged_graph()
    assert shipped is not None
    assert OnnxEmbedder(precision="int8", cache_dir=tmp_path).model_path() == shipped
    tokenizer = (PACKAGED_DIR / "tokenizer.json").read_bytes()
    assert hashlib.sha256(tokenizer).hexdigest() == UPSTREAM_TOKENIZER_SHA256
    # Embedding with the shipped graph converts nothing.
    vectors = _embed(OnnxEmbedder(precision="int8", cache_dir=tmp_path / "cache"))
    assert vectors.shape == (len(TEXTS), 384)
    assert not (tmp_path / "cache").exists()


@pytest.mark.slow
def test_the_shipped_graph_is_the_upstream_weights_converted(tmp_path: Path) -> None:
    source = weights_dir()
    assert weights_sha256(source) == UPSTREAM_WEIGHTS_SHA256
    rebuilt = tmp_path / "rebuilt.onnx"
    convert(source, rebuilt, "int8")
    shipped = packaged_graph()
    assert shipped is not None
    if rebuilt.read_bytes() == shipped.read_bytes():
        return
    # Another onnx/onnxruntime version may serialize differently: the weights must not differ.
    import onnx
    from onnx import numpy_helper

    def weights(path: Path) -> dict[str, np.ndarray]:
        graph = onnx.load(str(path)).graph
        return {t.name: numpy_helper.to_array(t) for t in graph.initializer}

    ours, theirs = weights(shipped), weights(rebuilt)
    assert ours.keys() == theirs.keys()
    for name, value in ours.items():
        np.testing.assert_array_equal(theirs[name], value, err_msg=name)


@pytest.mark.slow
def test_a_conversion_is_cached_by_the_weights_content(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = cached_graph(weights_dir(), "fp32", cache)
    assert UPSTREAM_WEIGHTS_SHA256[:16] in first.name
    before = first.stat().st_mtime_ns
    # The same file elsewhere (another virtualenv, a copy) reuses the conversion.
    copy = tmp_path / "copy"
    shutil.copytree(weights_dir(), copy)
    assert cached_graph(copy, "fp32", cache) == first
    assert OnnxEmbedder(precision="fp32", cache_dir=cache).model_path() == first
    assert first.stat().st_mtime_ns == before
    assert sorted(p.name for p in cache.iterdir()) == [first.name]


def _convert_into(cache: str) -> str:
    return str(cached_graph(weights_dir(), "fp32", Path(cache)))


@pytest.mark.slow
def test_processes_converting_at_once_leave_one_whole_file(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        paths = pool.map(_convert_into, [str(cache)] * 2)
    assert len(set(paths)) == 1
    assert sorted(p.name for p in cache.iterdir()) == [Path(paths[0]).name]
    vectors = _embed(OnnxEmbedder(precision="fp32", cache_dir=cache))
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-4)


def test_empty_input_needs_no_model(tmp_path: Path) -> None:
    embedder = OnnxEmbedder(cache_dir=tmp_path)
    assert embedder.embed([]).shape == (0, 384)
    assert not list(tmp_path.iterdir())


@pytest.mark.slow
def test_load_converts_before_the_first_text(tmp_path: Path) -> None:
    embedder = OnnxEmbedder(precision="fp32", cache_dir=tmp_path)
    try:
        embedder.load()
        assert [p.suffix for p in tmp_path.iterdir()] == [".onnx"]
    finally:
        embedder.close()


def test_an_unwritable_cache_falls_back_to_a_temporary_directory(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the cache directory should be")

    assert writable_cache(tmp_path / "cache") == tmp_path / "cache"
    fallback = writable_cache(blocker / "models")
    assert fallback != blocker / "models"
    assert fallback.is_dir()


def test_one_text_embeds_as_it_does_in_a_threaded_batch(tmp_path: Path) -> None:
    # A single text (a read's query) runs on a one-thread session, a batch on the threaded
    # one: a query must find the stored vector of the same text bit for bit, whichever ran it.
    # A batch of copies of one text quantizes its activations exactly as that text alone.
    embedder = OnnxEmbedder(precision="int8", threads=2, cache_dir=tmp_path)
    try:
        for text in TEXTS:
            alone = embedder.embed([text])
            batched = embedder.embed([text, text])
            assert alone.tobytes() == batched[:1].tobytes() == batched[1:].tobytes(), text
    finally:
        embedder.close()
