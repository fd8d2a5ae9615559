"""Client settings: an explicit argument beats the environment, which beats the default."""

from __future__ import annotations

import httpx
import pytest

import cml
from cml.config import CMLConfig

from .scripted import ScriptedServer


def test_defaults() -> None:
    config = CMLConfig.from_env()

    assert config.api_key is None
    assert config.admin_api_key is None
    assert config.base_url == "http://localhost:8000"
    assert config.tenant_id is None
    assert config.timeout == 30.0
    assert config.max_retries == 3
    assert config.verify_ssl is True


def test_environment_beats_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CML_API_KEY", "env-key")
    monkeypatch.setenv("CML_ADMIN_API_KEY", "env-admin")
    monkeypatch.setenv("CML_BASE_URL", "https://cml.example.com")
    monkeypatch.setenv("CML_TENANT_ID", "acme")
    monkeypatch.setenv("CML_TIMEOUT", "12.5")
    monkeypatch.setenv("CML_MAX_RETRIES", "0")
    monkeypatch.setenv("CML_VERIFY_SSL", "false")

    config = CMLConfig.from_env()

    assert config.api_key == "env-key"
    assert config.admin_api_key == "env-admin"
    assert config.base_url == "https://cml.example.com"
    assert config.tenant_id == "acme"
    assert config.timeout == 12.5
    assert config.max_retries == 0
    assert config.verify_ssl is False


def test_arguments_beat_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CML_API_KEY", "env-key")
    monkeypatch.setenv("CML_TENANT_ID", "acme")
    monkeypatch.setenv("CML_MAX_RETRIES", "7")
    monkeypatch.setenv("CML_VERIFY_SSL", "true")

    client = cml.CognitiveMemoryLayer(
        "arg-key", tenant_id="globex", max_retries=0, verify_ssl=False
    )

    assert client.config.api_key == "arg-key"
    assert client.tenant_id == "globex"
    assert client.config.max_retries == 0
    assert client.config.verify_ssl is False
    client.close()


def test_an_argument_wins_even_over_an_unparsable_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CML_TIMEOUT", "soon")

    assert CMLConfig.from_env(timeout=5.0).timeout == 5.0


def test_the_environment_reaches_the_wire(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CML_API_KEY", "env-key")
    monkeypatch.setenv("CML_TENANT_ID", "acme")
    monkeypatch.setenv("CML_BASE_URL", "http://cml.internal:9000")
    server = ScriptedServer(httpx.Response(200, json={"status": "ok", "version": "1"}))

    with cml.CognitiveMemoryLayer(transport=server.transport) as client:
        client.health()

    request = server.requests[0]
    assert str(request.url) == "http://cml.internal:9000/api/v1/health"
    assert request.headers["X-API-Key"] == "env-key"
    assert request.headers["X-Tenant-ID"] == "acme"


def test_a_given_config_is_used_instead_of_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CML_TENANT_ID", "from-env")
    config = CMLConfig(api_key="cfg-key", tenant_id="from-config")

    client = cml.CognitiveMemoryLayer(config=config, max_retries=1)

    assert client.tenant_id == "from-config"
    assert client.config.api_key == "cfg-key"
    assert client.config.max_retries == 1
    client.close()


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("CML_TIMEOUT", "soon"),
        ("CML_TIMEOUT", "0"),
        ("CML_MAX_RETRIES", "-1"),
        ("CML_MAX_RETRIES", "2.5"),
        ("CML_VERIFY_SSL", "maybe"),
        ("CML_BASE_URL", "localhost:8000"),
        ("CML_TENANT_ID", "no spaces allowed"),
    ],
)
def test_a_bad_variable_is_named_in_the_error(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)

    with pytest.raises(cml.ConfigurationError, match=variable):
        cml.CognitiveMemoryLayer()


@pytest.mark.parametrize(
    "fields",
    [
        {"timeout": 0},
        {"max_retries": -1},
        {"base_url": "ftp://x"},
        {"tenant_id": ""},
        {"api_key": ""},
    ],
)
def test_bad_arguments_are_refused(fields: dict[str, object]) -> None:
    with pytest.raises(cml.ConfigurationError):
        CMLConfig(**fields)  # type: ignore[arg-type]


def test_configuration_errors_are_value_errors() -> None:
    with pytest.raises(ValueError, match="timeout"):
        cml.CognitiveMemoryLayer(timeout=-1)
