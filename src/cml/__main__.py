"""``python -m cml``: the same as the ``cml`` command."""

from __future__ import annotations

from cml.cli import main

if __name__ == "__main__":
    main()
