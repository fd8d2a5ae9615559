"""``whoami()`` and ``tenant_id`` on every kind of client (and on their namespaced copies)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import cml

from .clients import KINDS, Client, make_client


@pytest.fixture(params=KINDS)
async def client(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    async with make_client(request.param, tmp_path) as made:
        yield made


async def test_tenant_id_is_the_tenant_acted_on_after_the_first_request(client: Client) -> None:
    embedded = client.kind.startswith("embedded")
    # HTTP clients are configured without a tenant: the key's own is learnt from the server.
    assert client.raw.tenant_id == ("default" if embedded else None)
    await client.call("health")  # public: says nothing about the tenant
    assert client.raw.tenant_id == ("default" if embedded else None)

    await client.call("write", "The user likes green tea")

    assert client.raw.tenant_id == "default"
    scoped = client.raw.with_namespace("tea")
    assert scoped.tenant_id == "default"
    assert repr(scoped).endswith("tenant_id='default', namespace='tea')")


async def test_whoami_describes_the_caller(client: Client) -> None:
    me = await client.call("whoami")

    assert isinstance(me, cml.WhoAmIResponse)
    assert me.tenant_id == "default"
    assert client.raw.tenant_id == "default"
    if client.kind.startswith("embedded"):  # no keys in-process: every scope, any tenant
        assert (me.key_id, me.all_tenants) == (None, True)
        assert me.scopes == ["read", "write", "admin", "operator"]
    else:
        assert (me.key_id, me.key_tenant_id, me.tenants) == ("bootstrap", "default", ["default"])
        assert me.scopes == ["read", "write"]
        assert me.all_tenants is False
    scoped = await Client(client.kind, client.raw.with_namespace("a/b")).call("whoami")
    assert scoped == me


async def test_a_configured_tenant_wins_over_the_reported_one(client: Client) -> None:
    await client.call("write", "A memory of the default tenant")
    assert client.raw.tenant_id == "default"

    client.raw.set_tenant("initech")

    assert client.raw.tenant_id == "initech"
    if client.kind.startswith("embedded"):
        assert (await client.call("whoami")).tenant_id == "initech"
    else:  # the bootstrap user key is granted "default" only
        with pytest.raises(cml.AuthorizationError, match="initech"):
            await client.call("whoami")
        assert client.raw.tenant_id == "initech"
