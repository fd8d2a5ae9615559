"""Route modules of the ``/api/v1`` API, one router each."""

from __future__ import annotations
