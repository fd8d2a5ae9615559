# Generated from src/cml/integrations/_async/__init__.py by scripts/unasync.py.
# Do not edit: change that file and run `python scripts/unasync.py`.
"""The chat integrations in one I/O mode: the memory provider, the OpenAI helper, the tools.

``cml/integrations/_async`` is written by hand; ``cml/integrations/_sync`` is generated from it
by ``scripts/unasync.py``. The public names are re-exported by :mod:`cml.integrations`.
"""
