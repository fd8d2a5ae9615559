// API keys (admin): list, create (the secret is shown once), revoke.

import { card, h, replace, table, when } from "./dom.js";

const SCOPES = ["read", "write", "admin"];

/** Render the key manager into container. */
export async function render(ctx, container) {
  const body = h("tbody");
  const created = h("div", { class: "secret", testid: "new-key", hidden: true });
  const tenant = h("input", { testid: "key-tenant", required: true, value: ctx.tenant });
  const name = h("input", { testid: "key-name", placeholder: "what uses it" });
  const scopes = SCOPES.map((scope) =>
    h("input", { type: "checkbox", value: scope, testid: `key-scope-${scope}`,
      checked: scope !== "admin" }));
  const allTenants = h("input", { type: "checkbox", testid: "key-all-tenants" });

  async function refresh() {
    const keys = await ctx.attempt(() =>
      ctx.api.get("/admin/keys", { tenant_id: allTenants.checked ? null : ctx.tenant }));
    if (!keys) return;
    replace(body, keys.map((key) => h(
      "tr",
      { testid: "key-row", "data-id": key.id, class: key.revoked_at ? "revoked" : null },
      h("td", {}, key.name || ""),
      h("td", {}, key.tenant_id),
      h("td", {}, key.scopes.join(", ")),
      h("td", { class: "mono" }, `${key.prefix}…`),
      h("td", { class: "nowrap" }, when(key.created_at)),
      h("td", { class: "nowrap" }, key.revoked_at ? `revoked ${when(key.revoked_at)}` : "active"),
      h("td", {}, key.revoked_at ? null : h("button", {
        type: "button", class: "danger", testid: "revoke",
        onclick: () => revoke(key),
      }, "Revoke")),
    )));
  }

  async function revoke(key) {
    const label = key.name ? `“${key.name}” (${key.prefix}…)` : `${key.prefix}…`;
    if (!(await ctx.confirm(`Revoke key ${label} of ${key.tenant_id}? It stops working at once.`))) {
      return;
    }
    if (await ctx.attempt(() => ctx.api.del(`/admin/keys/${encodeURIComponent(key.id)}`))) {
      await refresh();
    }
  }

  async function create(event) {
    event.preventDefault();
    const request = {
      tenant_id: tenant.value.trim(),
      name: name.value.trim() || null,
      scopes: scopes.filter((box) => box.checked).map((box) => box.value),
    };
    const key = await ctx.attempt(() => ctx.api.post("/admin/keys", request));
    if (!key) return;
    replace(
      created,
      h("strong", {}, "Copy this key now: it is not shown again."),
      h("code", { testid: "new-key-secret" }, key.key),
    );
    created.hidden = false;
    name.value = "";
    await refresh();
  }

  allTenants.addEventListener("change", refresh);
  replace(
    container,
    h("h1", {}, "API keys"),
    h("form", { class: "card", action: "#", onsubmit: create },
      h("h2", {}, "New key"),
      h("div", { class: "row" },
        h("label", {}, "Tenant", tenant),
        h("label", {}, "Name", name),
        h("fieldset", {}, h("legend", {}, "Scopes"),
          scopes.map((box) => h("label", { class: "inline" }, box, box.value))),
        h("button", { type: "submit", testid: "key-create" }, "Create key")),
      created),
    card(null, {},
      h("label", { class: "inline" }, allTenants, "Every tenant"),
      table({ testid: "keys" }, ["Name", "Tenant", "Scopes", "Prefix", "Created", "State", ""],
        body)),
  );
  await refresh();
}
