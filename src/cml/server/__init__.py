"""The py-cml HTTP server: a FastAPI app mapping ``/api/v1`` routes onto the engine.

Build an app with :func:`cml.server.app.create_app`; configure it with
:class:`cml.server.settings.ServerSettings` (environment variables prefixed ``CML_``).
"""

from __future__ import annotations
