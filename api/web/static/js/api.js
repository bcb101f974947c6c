// Calls to Hark from the page. The session cookie (HttpOnly) authenticates; the CSRF token
// lives only in this module's memory and goes in X-CSRF-Token on every non-GET request. The
// API key itself is sent once, to POST /web/session, and kept nowhere.

let csrf = null;
const unauthorised = new Set();

export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message || code || `HTTP ${status}`);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

export function onUnauthorised(fn) {
  unauthorised.add(fn);
}

export function setCsrf(token) {
  csrf = token;
}

function url(path, query) {
  const u = new URL(path, window.location.origin);
  for (const [name, value] of Object.entries(query || {})) {
    if (value === null || value === undefined || value === "") continue;
    for (const v of Array.isArray(value) ? value : [value]) {
      if (v !== null && v !== undefined && v !== "") u.searchParams.append(name, String(v));
    }
  }
  return u.pathname + u.search;
}

export function headers(method, extra = {}) {
  const out = { Accept: "application/json", ...extra };
  if (!["GET", "HEAD"].includes(method) && csrf) out["X-CSRF-Token"] = csrf;
  return out;
}

async function failure(r) {
  let body = null;
  try {
    body = await r.json();
  } catch {
    /* not JSON */
  }
  const e = body && body.error ? body.error : {};
  const err = new ApiError(r.status, e.code, e.message, e.details);
  if (r.status === 401) for (const fn of unauthorised) fn(err);
  return err;
}

/** api("GET", "/v1/briefs", {query: {limit: 20}}) -> parsed JSON (null for 204). */
export async function api(method, path, { body, query, signal, raw } = {}) {
  const init = { method, credentials: "same-origin", headers: headers(method), signal };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers["Content-Type"] = "application/json";
  }
  const r = await fetch(url(path, query), init);
  if (!r.ok) throw await failure(r);
  if (raw) return r;
  if (r.status === 204) return null;
  const type = r.headers.get("content-type") || "";
  return type.includes("json") ? r.json() : r.text();
}

export { failure, url };
