// The dashboard shell: sign-in, navigation, tenant picker, confirmation dialog.

import * as api from "./api.js";
import { h, replace } from "./dom.js";
import * as events from "./events.js";
import * as keys from "./keys.js";
import * as maintenance from "./maintenance.js";
import * as memories from "./memories.js";
import * as memory from "./memory.js";
import * as overview from "./overview.js";

const PAGES = [
  { id: "overview", title: "Overview", module: overview, admin: false },
  { id: "memories", title: "Memories", module: memories, admin: false },
  { id: "events", title: "Events", module: events, admin: true },
  { id: "maintenance", title: "Maintenance", module: maintenance, admin: true },
  { id: "keys", title: "Keys", module: keys, admin: true },
  // A memory's own page, #memory/<id>: opened from a row, not from the navigation bar.
  { id: "memory", title: "Memory", module: memory, admin: false, hidden: true, under: "memories" },
];

const $ = (id) => document.getElementById(id);
const who = { home: null, admin: false };
let cleanup = null;

/** Show an error (or clear it with null). */
function showError(error) {
  const box = $("error");
  box.textContent = error ? String(error.message || error) : "";
  box.hidden = !error;
}

/** Ask before doing something; resolves to true when confirmed. */
function confirmAction(text) {
  const dialog = $("confirm");
  $("confirm-text").textContent = text;
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
    dialog.returnValue = "cancel";
    dialog.showModal();
  });
}

/** Run an action, showing its error instead of throwing it. */
async function attempt(action) {
  showError(null);
  try {
    return await action();
  } catch (error) {
    showError(error);
    return undefined;
  }
}

const context = {
  api,
  confirm: confirmAction,
  attempt,
  showError,
  get tenant() {
    return api.session.tenant || who.home;
  },
  get admin() {
    return who.admin;
  },
  get home() {
    return who.home;
  },
};

/** The page the address names (#<page> or #<page>/<argument>) and its argument. */
function currentPage() {
  const hash = location.hash.replace(/^#/, "") || "overview";
  const slash = hash.indexOf("/");
  const wanted = slash < 0 ? hash : hash.slice(0, slash);
  let argument = null;
  try {
    argument = slash < 0 ? null : decodeURIComponent(hash.slice(slash + 1));
  } catch {
    argument = null;
  }
  const page = PAGES.find((p) => p.id === wanted && (who.admin || !p.admin));
  if (!page || (page.hidden && !argument)) return { page: PAGES[0], argument: null };
  return { page, argument };
}

let generation = 0;

async function show() {
  // Each page renders into its own element: a slower page the user already left (a tenant
  // switch followed by a click) then renders out of sight and is stopped, never on top.
  const mine = ++generation;
  if (cleanup) cleanup();
  cleanup = null;
  showError(null);
  const { page, argument } = currentPage();
  for (const link of $("nav").querySelectorAll("a")) {
    link.classList.toggle("current", link.dataset.page === (page.under || page.id));
  }
  const container = h("div", { "data-page": page.id }, h("p", { class: "muted" }, "Loading…"));
  replace($("page"), container);
  let result;
  try {
    result = await page.module.render(context, container, argument);
  } catch (error) {
    if (mine === generation) showError(error);
  }
  if (typeof result !== "function") return;
  if (mine === generation) cleanup = result;
  else result();
}

async function loadTenants() {
  const select = $("tenant");
  const names = new Set([who.home]);
  const tenants = await attempt(() => api.get("/admin/tenants"));
  for (const tenant of tenants || []) names.add(tenant.tenant_id);
  if (api.session.tenant) names.add(api.session.tenant);
  replace(select, [...names].sort().map((name) => h("option", { value: name }, name)));
  select.value = context.tenant;
}

function signedOut() {
  if (cleanup) cleanup();
  cleanup = null;
  api.session.clear();
  who.home = null;
  who.admin = false;
  $("nav").hidden = true;
  $("tenant-picker").hidden = true;
  $("sign-out").hidden = true;
  $("whoami").textContent = "";
  $("page").hidden = true;
  replace($("page"));
  $("signin").hidden = false;
  $("api-key").value = "";
  $("api-key").focus();
}

/** Check the key (whose tenant? admin?) and open the dashboard; sign out on failure. */
async function signIn(key) {
  api.session.key = key;
  try {
    // Without X-Tenant-ID the API answers for the key's own tenant.
    const saved = api.session.tenant;
    api.session.tenant = null;
    who.home = (await api.get("/memory/stats")).tenant_id;
    try {
      await api.get("/admin/keys", { tenant_id: who.home });
      who.admin = true;
    } catch (error) {
      if (!(error instanceof api.ApiError) || error.status !== 403) throw error;
      who.admin = false;
    }
    api.session.tenant = who.admin ? saved : null;
  } catch (error) {
    signedOut();
    showError(error);
    return;
  }
  $("signin").hidden = true;
  $("page").hidden = false;
  $("sign-out").hidden = false;
  $("whoami").textContent = who.admin ? `admin key · home tenant ${who.home}` : `tenant ${who.home}`;
  replace(
    $("nav"),
    PAGES.filter((p) => !p.hidden && (who.admin || !p.admin)).map((p) =>
      h("a", { href: `#${p.id}`, "data-page": p.id, testid: `nav-${p.id}` }, p.title),
    ),
  );
  $("nav").hidden = false;
  $("tenant-picker").hidden = !who.admin;
  if (who.admin) await loadTenants();
  await show();
}

function start() {
  $("signin-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const key = $("api-key").value.trim();
    if (key) signIn(key);
  });
  $("sign-out").addEventListener("click", signedOut);
  $("tenant").addEventListener("change", () => {
    api.session.tenant = $("tenant").value === who.home ? null : $("tenant").value;
    show();
  });
  window.addEventListener("hashchange", () => {
    if (who.home) show();
  });
  if (api.session.key) signIn(api.session.key);
  else signedOut();
}

start();
