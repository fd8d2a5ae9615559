"""A query parameter a route does not declare is refused (422), never silently ignored."""

from __future__ import annotations

import re

import httpx
import pytest

from cml.models.routes import ROUTES, Route

from .server_helpers import ADMIN_KEY, assert_error, auth


def _filled(route: Route[object]) -> str:
    """The route's path with each ``{name}`` placeholder given a well-formed value."""
    return re.sub(r"\{[^}]+\}", "00000000-0000-0000-0000-000000000000", route.path)


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.path}")
async def test_every_route_names_an_unknown_query_parameter(
    client: httpx.AsyncClient, route: Route[object]
) -> None:
    response = await client.request(
        route.method, _filled(route), params={"tenantid": "globex"}, headers=auth(ADMIN_KEY)
    )
    error = assert_error(response, 422, "validation_error")
    assert [d["field"] for d in error["details"]] == ["tenantid"]
    assert "tenantid" in error["message"]


async def test_a_misspelt_tenant_lists_nothing_instead_of_the_wrong_tenant(
    client: httpx.AsyncClient, globex_key: str, acme_key: str
) -> None:
    written = await client.post(
        "/memory/write", json={"content": "Globex ships on Fridays."}, headers=auth(globex_key)
    )
    assert written.status_code == 200, written.text

    wrong = await client.get(
        "/admin/memories", params={"tenant": "globex"}, headers=auth(ADMIN_KEY)
    )
    error = assert_error(wrong, 422, "validation_error")
    assert "tenant_id" in error["message"]  # the message names the parameter meant

    right = await client.get(
        "/admin/memories", params={"tenant_id": "globex"}, headers=auth(ADMIN_KEY)
    )
    assert right.status_code == 200, right.text
    assert [m["text"] for m in right.json()["items"]] == ["Globex ships on Fridays."]


async def test_declared_parameters_still_work(client: httpx.AsyncClient, acme_key: str) -> None:
    response = await client.get(
        "/admin/memories",
        params={"tenant_id": "acme", "per_page": 5, "type": "semantic_fact", "status": "all"},
        headers=auth(ADMIN_KEY),
    )
    assert response.status_code == 200, response.text
