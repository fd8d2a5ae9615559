"""Settings of the SDK clients: where the server is, which key and tenant, how patient to be.

A value given as an argument always wins; otherwise the client reads its ``CML_*`` environment
variable; otherwise the default applies.

=====================  ======================  ==========================
field                  environment variable    default
=====================  ======================  ==========================
``api_key``            ``CML_API_KEY``         none
``admin_api_key``      ``CML_ADMIN_API_KEY``   none (admin calls use ``api_key``)
``base_url``           ``CML_BASE_URL``        ``http://localhost:8000``
``tenant_id``          ``CML_TENANT_ID``       none (the API key's own tenant)
``timeout``            ``CML_TIMEOUT``         ``30.0`` seconds
``max_retries``        ``CML_MAX_RETRIES``     ``3``
``verify_ssl``         ``CML_VERIFY_SSL``      ``true``
=====================  ======================  ==========================
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from cml.exceptions import ConfigurationError
from cml.models import is_valid_tenant_id

_N = TypeVar("_N", int, float)

__all__ = ["DEFAULT_BASE_URL", "CMLConfig", "resolve_config"]

DEFAULT_BASE_URL = "http://localhost:8000"

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


@dataclass(frozen=True, kw_only=True)
class CMLConfig:
    """Connection settings of a client.

    Building a ``CMLConfig`` yourself uses exactly the values you give (and the defaults); use
    :meth:`from_env` to fill the rest from ``CML_*`` variables, as the clients do when no config
    is passed. API keys are left out of ``repr`` so that a logged config leaks no secret.

    Args:
        api_key: Key sent as ``X-API-Key``.
        admin_api_key: Key sent on admin routes (``/admin/...``); ``api_key`` when unset.
        base_url: Server address, e.g. ``https://cml.example.com``.
        tenant_id: Tenant sent as ``X-Tenant-ID``; unset, the server acts on the API key's own
            tenant (``default`` for the bootstrap key and in embedded mode).
        timeout: Seconds to wait for each HTTP attempt.
        max_retries: Extra attempts after a retryable failure (0 disables retries).
        verify_ssl: Check the server's TLS certificate.
        backoff_initial: First retry delay in seconds; doubles on every further retry.
        backoff_max: Longest computed retry delay in seconds.
        retry_after_max: Longest wait honoured from a ``Retry-After`` header, in seconds.

    Example:
        ```python
        config = CMLConfig.from_env(tenant_id="acme")  # the rest from CML_* or defaults
        client = CognitiveMemoryLayer(config=config)
        ```
    """

    api_key: str | None = field(default=None, repr=False)
    admin_api_key: str | None = field(default=None, repr=False)
    base_url: str = DEFAULT_BASE_URL
    tenant_id: str | None = None
    timeout: float = 30.0
    max_retries: int = 3
    verify_ssl: bool = True
    backoff_initial: float = 0.5
    backoff_max: float = 8.0
    retry_after_max: float = 60.0

    def __post_init__(self) -> None:
        if not self.base_url.startswith(("http://", "https://")):
            raise ConfigurationError(
                f"base_url must start with http:// or https://, got {self.base_url!r}",
                hint="Pass base_url='http://localhost:8000' or set CML_BASE_URL.",
            )
        if self.tenant_id is not None and not is_valid_tenant_id(self.tenant_id):
            raise ConfigurationError(
                f"tenant_id {self.tenant_id!r} is not valid: use 1-64 letters, digits, "
                "'_', '.' or '-', starting with a letter or digit"
            )
        if not self.timeout > 0:
            raise ConfigurationError(
                f"timeout must be a positive number of seconds, got {self.timeout}"
            )
        if self.max_retries < 0:
            raise ConfigurationError(f"max_retries must be 0 or more, got {self.max_retries}")
        for name in ("backoff_initial", "backoff_max", "retry_after_max"):
            if getattr(self, name) < 0:
                raise ConfigurationError(f"{name} must be 0 or more, got {getattr(self, name)}")
        for name in ("api_key", "admin_api_key"):
            value = getattr(self, name)
            if value == "":
                raise ConfigurationError(f"{name} must not be empty; leave it unset instead")
            # A key travels in an HTTP header: anything else could not be sent at all. The key
            # itself is not quoted, it may be a real secret with a typo.
            if value is not None and not all(" " <= char <= "~" for char in value):
                raise ConfigurationError(
                    f"{name} must be printable ASCII characters; check for a stray character"
                )

    @classmethod
    def from_env(
        cls,
        *,
        api_key: str | None = None,
        admin_api_key: str | None = None,
        base_url: str | None = None,
        tenant_id: str | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
        verify_ssl: bool | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> CMLConfig:
        """Build a config from arguments, then ``CML_*`` variables, then defaults.

        Args:
            api_key: Overrides ``CML_API_KEY``.
            admin_api_key: Overrides ``CML_ADMIN_API_KEY``.
            base_url: Overrides ``CML_BASE_URL``.
            tenant_id: Overrides ``CML_TENANT_ID``.
            timeout: Overrides ``CML_TIMEOUT``.
            max_retries: Overrides ``CML_MAX_RETRIES``.
            verify_ssl: Overrides ``CML_VERIFY_SSL``.
            environ: The environment to read; ``os.environ`` when omitted.

        Returns:
            The resolved config.

        Raises:
            ConfigurationError: A variable holds a value that cannot be parsed; the message
                names the variable.
        """
        env = os.environ if environ is None else environ
        explicit: dict[str, Any] = {
            "api_key": api_key,
            "admin_api_key": admin_api_key,
            "base_url": base_url,
            "tenant_id": tenant_id,
            "timeout": timeout,
            "max_retries": max_retries,
            "verify_ssl": verify_ssl,
        }
        parsers: dict[str, Callable[[str, str], Any]] = {
            "api_key": _text,
            "admin_api_key": _text,
            "base_url": _url,
            "tenant_id": _tenant,
            "timeout": _positive_float,
            "max_retries": _count,
            "verify_ssl": _boolean,
        }
        values: dict[str, Any] = {}
        for name, value in explicit.items():
            variable = f"CML_{name.upper()}"
            if value is not None:
                values[name] = value
            elif env.get(variable, "").strip():
                values[name] = parsers[name](variable, env[variable].strip())
        return cls(**values)

    def replace(self, **changes: Any) -> CMLConfig:
        """A copy with some fields changed (``None`` values are ignored).

        Args:
            **changes: Field names and their new values.

        Returns:
            The new config; validated like any other.
        """
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})


def resolve_config(config: CMLConfig | None, arguments: Mapping[str, Any]) -> CMLConfig:
    """The settings of a client: its arguments, over ``config`` or else over the environment.

    Args:
        config: Settings passed to the client, used instead of the environment.
        arguments: The client's own arguments (its ``locals()``): those named like a setting
            are used; ``None`` means "not given".

    Returns:
        The resolved config.
    """
    names = {setting.name for setting in dataclasses.fields(CMLConfig)}
    given = {name: value for name, value in arguments.items() if name in names}
    if config is None:
        return CMLConfig.from_env(**given)
    return config.replace(**given)


def _text(variable: str, raw: str) -> str:
    return raw


def _url(variable: str, raw: str) -> str:
    if not raw.startswith(("http://", "https://")):
        raise ConfigurationError(
            f"{variable}={raw!r} is not an http:// or https:// URL",
            hint=f"Set {variable} to the server address, e.g. http://localhost:8000.",
        )
    return raw


def _tenant(variable: str, raw: str) -> str:
    if not is_valid_tenant_id(raw):
        raise ConfigurationError(
            f"{variable}={raw!r} is not a valid tenant id",
            hint="Use 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit.",
        )
    return raw


def _number(
    variable: str,
    raw: str,
    parse: Callable[[str], _N],
    valid: Callable[[_N], bool],
    *,
    what: str,
    example: str,
) -> _N:
    """``raw`` parsed by ``parse`` if ``valid`` accepts it; else an error: it is not ``what``."""
    try:
        value: _N | None = parse(raw)
    except ValueError:
        value = None
    if value is None or not valid(value):
        raise ConfigurationError(
            f"{variable}={raw!r} is not {what}",
            hint=f"Set {variable} to a number such as {example}, or unset it.",
        )
    return value


def _positive_float(variable: str, raw: str) -> float:
    return _number(
        variable, raw, float, lambda v: v > 0, what="a positive number of seconds", example="30"
    )


def _count(variable: str, raw: str) -> int:
    return _number(
        variable, raw, int, lambda v: v >= 0, what="a whole number of 0 or more", example="3"
    )


def _boolean(variable: str, raw: str) -> bool:
    lowered = raw.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ConfigurationError(
        f"{variable}={raw!r} is not a boolean",
        hint=f"Set {variable} to true or false (also 1/0, yes/no, on/off).",
    )
