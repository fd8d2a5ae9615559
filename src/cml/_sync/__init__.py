# Generated from src/cml/_async/__init__.py by scripts/unasync.py.
# Do not edit: change that file and run `python scripts/unasync.py`.
"""py-cml's clients in one I/O mode: the HTTP client, its send loop and the embedded client.

``cml/_async`` is written by hand; ``cml/_sync`` is generated from it by ``scripts/unasync.py``
(a test fails when it is stale). The public names are re-exported by :mod:`cml`.
"""
