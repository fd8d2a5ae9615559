"""Server settings, read from ``CML_*`` environment variables (explicit arguments win).

Every field carries a description (its attribute docstring): the README's configuration
reference is generated from them. Nothing is read at import time; build a
:class:`ServerSettings` and pass it to :func:`cml.server.app.create_app`.

Example:
    ``ServerSettings(data_dir="/var/lib/cml", embedding_provider="hash")``
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from cml.engine.config import EmbeddingProvider, EmbeddingRuntime, EngineConfig
from cml.engine.read.relevance import DEFAULT_CONTEXT_FLOOR

__all__ = ["LogFormat", "LogLevel", "ServerSettings"]

LogLevel = Literal["critical", "error", "warning", "info", "debug"]
LogFormat = Literal["text", "json"]

DEFAULT_MAX_REQUEST_BYTES = 2 * 1024 * 1024
# Well above an interactive client (a few requests per turn; bulk work goes through batch routes
# and pages of up to 500), low enough that one runaway loop cannot take a whole process
# (docs/decisions.md, 24).
DEFAULT_RATE_LIMIT_PER_SECOND = 50.0
DEFAULT_RATE_LIMIT_BURST = 100


def _secret(value: SecretStr | None) -> str | None:
    return value.get_secret_value() if value is not None else None


class ServerSettings(BaseSettings):
    """Configuration of ``cml serve`` and of the app built by ``create_app``.

    Each field ``name`` is read from the environment variable ``CML_NAME`` unless given as an
    argument. Secrets (API keys) are kept as ``SecretStr`` so they never show up in a repr or a log.
    """

    model_config = SettingsConfigDict(
        env_prefix="CML_", extra="ignore", validate_default=True, use_attribute_docstrings=True
    )

    data_dir: Path = Path("cml-data")
    """Directory of the embedded SQLite database (created if missing)."""
    database_url: SecretStr | None = None
    """Database URL, e.g. `sqlite:////var/lib/cml/cml.db`. Defaults to
    `sqlite:///{data_dir}/cml.db`. Kept as a secret: a PostgreSQL URL may carry a password."""
    db_pool_min: int = Field(default=1, ge=0, le=1000)
    """PostgreSQL: connections each server process keeps open."""
    db_pool_max: int = Field(default=10, ge=1, le=1000)
    """PostgreSQL: most connections each server process opens at once (replicas x this must stay
    under the database's `max_connections`)."""
    embedding_provider: EmbeddingProvider = "local"
    """`local` (all-MiniLM-L6-v2 in-process), `openai` (any OpenAI-compatible embeddings
    endpoint) or `hash` (deterministic, no model; for tests only)."""
    embedding_model: str = "all-MiniLM-L6-v2"
    """Embedding model name for the `local` and `openai` providers."""
    embedding_runtime: EmbeddingRuntime = "onnx-int8"
    """How the `local` provider runs all-MiniLM-L6-v2: `onnx-int8` (ONNX Runtime, int8 weights),
    `onnx` (ONNX Runtime, fp32) or `torch` (sentence-transformers). The ONNX graph is converted
    once from the packaged weights into `CML_MODEL_CACHE` (default `~/.cache/cml/models`)."""
    embedding_dimensions: int | None = Field(default=None, gt=0)
    """Embedding vector size; required for `openai`, 384 by default otherwise."""
    embedding_base_url: str | None = None
    """Base URL of the OpenAI-compatible embeddings endpoint."""
    embedding_api_key: SecretStr | None = None
    """API key of the embeddings endpoint."""
    llm_base_url: str | None = None
    """Base URL of an OpenAI-compatible chat endpoint; with `CML_LLM_MODEL` it turns on LLM
    gists in consolidation and LLM summaries in forgetting (extractive otherwise)."""
    llm_api_key: SecretStr | None = None
    """API key of the chat endpoint."""
    llm_model: str | None = None
    """Chat model name (needed with `CML_LLM_BASE_URL`)."""
    api_key: SecretStr | None = None
    """Bootstrap API key with read and write scopes on tenant `default` (for development; create
    real keys with `cml keys create`)."""
    admin_api_key: SecretStr | None = None
    """Bootstrap admin API key, valid on every tenant (for development)."""
    auth_enabled: bool = True
    """Require an API key on every route but `/health`. Turn off only for a server nobody else
    can reach: every request then acts on the tenant in `X-Tenant-ID`."""
    host: str = "127.0.0.1"
    """Interface `cml serve` listens on."""
    port: int = Field(default=8000, ge=0, le=65535)
    """Port `cml serve` listens on."""
    max_request_bytes: int = Field(default=DEFAULT_MAX_REQUEST_BYTES, gt=0)
    """Largest request body accepted, in bytes; larger bodies get 413."""
    rate_limit_per_second: float = Field(default=DEFAULT_RATE_LIMIT_PER_SECOND, ge=0)
    """Requests per second each API key may make, sustained (a token bucket per key, per server
    process: N replicas allow N times this); over it, 429 with `Retry-After`. 0 = no limit."""
    rate_limit_burst: int = Field(default=DEFAULT_RATE_LIMIT_BURST, ge=1)
    """Requests an API key may make at once after a pause (the bucket's size)."""
    rate_limit_unit_chars: int = Field(default=1000, ge=1)
    """Characters of query or content that cost one more unit of the rate limit: a request costs
    1, plus 1 per full this many characters of its queries or contents (a batch read of 100
    queries of 4,000 characters costs 401)."""
    max_concurrent_batches_per_key: int = Field(default=2, ge=0)
    """Batch requests (`batch_read`, `batch_write`) one API key may run at once; one more gets
    429 `too_many_concurrent` with `Retry-After: 1`. 0 = no cap."""
    request_deadline_seconds: float = Field(default=30.0, ge=0)
    """How long a batch request may run; checked between its items, a batch past it is refused
    whole with 413 `deadline_exceeded` (nothing answered or stored). 0 = none."""
    context_min_relevance: float | None = Field(
        default=None,
        ge=0.0,
        le=1.0,
        # Here rather than in a docstring, so that the reference shows the floor's value.
        description=(
            "Least calibrated relevance of a memory put into a context block (llm_context, "
            f"turn, the OpenAI helper, tools and MCP); unset: {DEFAULT_CONTEXT_FLOOR} for the "
            "default embedding model (calibrated), 0 for another; 0 lets every result in."
        ),
    )
    dedup_threshold: float = Field(default=0.95, ge=0.0, le=1.0)
    """Cosine similarity at or above which a new memory reinforces an existing near-duplicate
    instead of being stored."""
    redact_pii: bool = True
    """Replace emails, phone numbers, card numbers and similar before storing."""
    refuse_secrets: bool = True
    """Refuse content that looks like a password, token or private key (422)."""
    log_level: LogLevel = "info"
    """Log level of the server."""
    log_format: LogFormat = "text"
    """`text`, or `json`: one JSON object per line (time, level, request id, tenant, key id,
    route, status, duration), with an access log line per request."""
    metrics_enabled: bool = True
    """Serve Prometheus metrics at `/metrics`."""
    metrics_token: SecretStr | None = None
    """Bearer token `/metrics` requires when set; unset, `/metrics` answers loopback clients
    only."""
    metrics_per_tenant: bool = False
    """Label the memory counts of `/metrics` by tenant (one series per tenant, type and status:
    keep off with many tenants)."""
    webhooks_allow_private: bool = False
    """Allow webhook URLs that resolve to loopback, private, link-local or metadata addresses
    (single-host setups and tests)."""
    webhooks_poll_seconds: float = Field(default=1.0, gt=0)
    """How often the webhook sender looks for due deliveries in the outbox."""
    webhooks_max_attempts: int = Field(default=8, ge=1, le=100)
    """Attempts per delivery before it is marked failed."""
    webhooks_backoff_seconds: float = Field(default=5.0, gt=0)
    """Wait before the first retry of a delivery; doubled after each failed attempt (at most one
    hour)."""
    webhooks_timeout_seconds: float = Field(default=10.0, gt=0)
    """How long one delivery attempt waits for the receiver's answer."""
    consolidation_interval_seconds: float | None = Field(default=None, ge=0)
    """Run consolidation for every tenant in the background this often; unset or 0 = off."""
    forgetting_interval_seconds: float | None = Field(default=None, ge=0)
    """Run active forgetting for every tenant in the background this often; unset or 0 = off.
    Background runs only plan unless `CML_FORGETTING_BACKGROUND_APPLY` is on."""
    integrity_check_interval_seconds: float | None = Field(default=86400.0, ge=0)
    """Run a full integrity check of the store in the background this often (the first one an
    interval after start; a quick check runs at every start); 0 = off. Damage found makes every
    memory request answer 500 `database_damaged` (not retryable)."""
    events_heartbeat_seconds: float = Field(default=15.0, gt=0)
    """Seconds of silence after which the event stream sends a heartbeat comment."""
    events_stream_idle_seconds: float = Field(default=300.0, gt=0)
    """Seconds without events after which the server ends an event stream (clients reconnect and
    resume from the last event id)."""
    forgetting_background_apply: bool = False
    """Let background forgetting apply its plan (decay, silence, compress, soft delete); off,
    background runs are dry runs whose counts are logged."""

    @property
    def resolved_database_url(self) -> str:
        """The database URL in use: ``database_url``, or the SQLite file inside ``data_dir``."""
        if self.database_url is not None:
            return self.database_url.get_secret_value()
        return f"sqlite:///{self.data_dir.as_posix()}/cml.db"

    def to_engine_config(self) -> EngineConfig:
        """The engine configuration these settings describe.

        Each engine setting takes the value of the server setting of the same name; the
        database URL is resolved and the API keys are unwrapped.
        """
        names = [
            f.name for f in dataclasses.fields(EngineConfig) if f.name in type(self).model_fields
        ]
        values = {name: getattr(self, name) for name in names}
        values.update(
            database_url=self.resolved_database_url,
            embedding_api_key=_secret(self.embedding_api_key),
            llm_api_key=_secret(self.llm_api_key),
        )
        return EngineConfig(**values)
