// The public API, called with the signed-in key. The key lives in sessionStorage (this tab
// only) and travels in the X-API-Key header, never in a URL.

const API = "/api/v1";
const STORE = { key: "cml.key", tenant: "cml.tenant" };

/** An error answer of the API (the {"error": {...}} envelope) or a network failure. */
export class ApiError extends Error {
  constructor(status, body) {
    const error = body && body.error;
    const message = error ? error.message : `HTTP ${status}`;
    super(error && error.hint ? `${message} ${error.hint}` : message);
    this.status = status;
    this.code = error ? error.code : null;
  }
}

export const session = {
  get key() {
    return sessionStorage.getItem(STORE.key);
  },
  set key(value) {
    sessionStorage.setItem(STORE.key, value);
  },
  /** The tenant requests act on (X-Tenant-ID); null = the key's own. */
  get tenant() {
    return sessionStorage.getItem(STORE.tenant);
  },
  set tenant(value) {
    if (value) sessionStorage.setItem(STORE.tenant, value);
    else sessionStorage.removeItem(STORE.tenant);
  },
  clear() {
    sessionStorage.removeItem(STORE.key);
    sessionStorage.removeItem(STORE.tenant);
  },
};

function headers(extra) {
  const result = { "X-API-Key": session.key || "", ...extra };
  if (session.tenant) result["X-Tenant-ID"] = session.tenant;
  return result;
}

function url(path, query) {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query || {})) {
    if (value === null || value === undefined || value === "") continue;
    for (const item of Array.isArray(value) ? value : [value]) params.append(name, String(item));
  }
  const text = params.toString();
  return text ? `${API}${path}?${text}` : `${API}${path}`;
}

async function answer(response) {
  const text = await response.text();
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (!response.ok) throw new ApiError(response.status, body);
  return body;
}

/** GET path?query as JSON. */
export async function get(path, query) {
  return answer(await fetch(url(path, query), { headers: headers(), cache: "no-store" }));
}

/** POST a JSON body; the answer as JSON. */
export async function post(path, body) {
  const init = {
    method: "POST",
    headers: headers({ "Content-Type": "application/json" }),
    body: JSON.stringify(body || {}),
  };
  return answer(await fetch(url(path), init));
}

/** DELETE path; the answer as JSON. */
export async function del(path) {
  return answer(await fetch(url(path), { method: "DELETE", headers: headers() }));
}

function parseMessage(block) {
  let id = null;
  const data = [];
  for (const line of block.split("\n")) {
    if (!line || line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "id") id = value;
    else if (field === "data") data.push(value);
  }
  return data.length ? { id, data: data.join("\n") } : null;
}

/**
 * Follow the event log live (GET /admin/events/stream, server-sent events).
 *
 * EventSource cannot send a header, and the key must not go in a URL, so the stream is read
 * with fetch. After a dropped connection (or the server ending an idle stream) it reconnects
 * with Last-Event-ID = the last event received, so nothing is missed or repeated.
 *
 * Returns a function that stops following.
 */
export function followEvents({ lastId, eventType, onEvent, onState }) {
  const controller = new AbortController();
  let stopped = false;
  let cursor = lastId;
  (async () => {
    let delay = 500;
    while (!stopped) {
      try {
        onState("connecting");
        const extra = { Accept: "text/event-stream" };
        if (cursor !== null && cursor !== undefined) extra["Last-Event-ID"] = String(cursor);
        const response = await fetch(url("/admin/events/stream", { event_type: eventType }), {
          headers: headers(extra),
          signal: controller.signal,
          cache: "no-store",
        });
        if (!response.ok) await answer(response);
        onState("live");
        delay = 500;
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value.replace(/\r\n?/g, "\n");
          let end;
          while ((end = buffer.indexOf("\n\n")) >= 0) {
            const message = parseMessage(buffer.slice(0, end));
            buffer = buffer.slice(end + 2);
            if (!message) continue;
            const event = JSON.parse(message.data);
            cursor = message.id ?? event.id;
            onEvent(event);
          }
        }
      } catch (error) {
        if (stopped) return;
        if (error instanceof ApiError && error.status >= 400 && error.status < 500) {
          onState(`stopped: ${error.message}`);
          return;
        }
      }
      if (stopped) return;
      onState("reconnecting");
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 15000);
    }
  })();
  return () => {
    stopped = true;
    controller.abort();
  };
}
