// The shell: sign-in, navigation by the URL's hash (#ask, #mentions?q=...), the language
// switch and sign-out. Each page module exports render(main, params).

import { api, onUnauthorised, setCsrf } from "./api.js";
import { errorBox } from "./components.js";
import { field, h } from "./dom.js";
import { onChange, preferred, setLanguage, t } from "./i18n.js";
import { loadCapabilities, loadFacets, session, setSession } from "./state.js";

const PAGES = {
  ask: () => import("./pages/ask.js"),
  trends: () => import("./pages/trends.js"),
  mentions: () => import("./pages/mentions.js"),
  topics: () => import("./pages/topics.js"),
  briefs: () => import("./pages/briefs.js"),
};

const main = document.getElementById("main");
const nav = document.getElementById("nav");
const signOutButton = document.getElementById("sign-out");
let rendering = 0;

export function parseHash() {
  const raw = window.location.hash.slice(1);
  const [page, query] = raw.split("?");
  return { page: PAGES[page] ? page : "ask", params: new URLSearchParams(query || "") };
}

export function go(page, params) {
  const q = params ? new URLSearchParams(params).toString() : "";
  const target = `#${page}${q ? `?${q}` : ""}`;
  if (window.location.hash === target) route();
  else window.location.hash = target;
}

async function route({ focus = true } = {}) {
  if (!session()) {
    renderSignIn();
    return;
  }
  main.dataset.ready = "0"; // "1" once the page has what it loads (tests and benchmarks wait)
  if (starting) await starting; // the pages need the facets
  const { page, params } = parseHash();
  for (const a of nav.querySelectorAll("a")) {
    if (a.dataset.page === page) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  const ticket = ++rendering;
  const mod = await PAGES[page]();
  if (ticket !== rendering) return;
  main.replaceChildren();
  main.dataset.page = page;
  try {
    await mod.render(main, params, { go });
  } catch (err) {
    main.append(errorBox(err));
  }
  if (ticket === rendering) {
    main.dataset.ready = "1";
    if (!performance.getEntriesByName("hark-ready").length) performance.mark("hark-ready");
  }
  const title = document.getElementById("page-title");
  document.title = `${title ? title.textContent : ""} · Hark`;
  if (focus && title) title.focus({ preventScroll: false });
}

function renderSignIn(message) {
  nav.hidden = true;
  signOutButton.hidden = true;
  document.getElementById("workspace-name").textContent = "";
  const input = h("input", { type: "password", name: "key", autocomplete: "off", spellcheck: "false", required: true, class: "wide" });
  const status = h("div", { class: "status", role: "status", "aria-live": "polite" });
  if (message) status.append(errorBox({ message }));
  const form = h(
    "form",
    { class: "signin card", "aria-labelledby": "page-title" },
    h("h1", { id: "page-title", tabindex: "-1" }, t("signin.title")),
    h("p", null, t("signin.intro")),
    field(t("signin.key"), input, t("signin.hint")),
    h("button", { type: "submit", class: "primary" }, t("signin.submit")),
    status,
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    status.textContent = t("signin.checking");
    try {
      const got = await api("POST", "/web/session", { body: { key: input.value } });
      input.value = ""; // the key is not kept anywhere, not even in the field
      await start(got);
    } catch (err) {
      input.value = "";
      status.replaceChildren(errorBox(err.status === 401 ? { message: t("signin.bad") } : err));
      input.focus();
    }
  });
  main.replaceChildren(form);
  input.focus();
  performance.mark("hark-ready");
}

let starting = null;

async function start(got, { focus = true } = {}) {
  setSession(got);
  setCsrf(got.csrf_token);
  main.replaceChildren(h("p", { class: "muted" }, t("loading")));
  starting = Promise.all([loadCapabilities(), loadFacets()]);
  await starting;
  nav.hidden = false;
  signOutButton.hidden = false;
  document.getElementById("workspace-name").textContent = got.workspace;
  // After signing in focus goes to the page's heading; on a plain load it stays at the top,
  // where the skip link is the first stop.
  await route({ focus });
}

async function signOut() {
  try {
    await api("DELETE", "/web/session");
  } catch {
    /* signed out either way */
  }
  setSession(null);
  setCsrf(null);
  window.location.hash = "";
  renderSignIn();
}

async function boot() {
  await setLanguage(preferred());
  const langSelect = document.getElementById("lang-select");
  langSelect.value = document.documentElement.lang;
  langSelect.addEventListener("change", () => setLanguage(langSelect.value));
  onChange(() => {
    langSelect.value = document.documentElement.lang;
    route({ focus: false });
  });
  signOutButton.addEventListener("click", signOut);
  // The skip link moves focus without touching the URL's hash, which names the page.
  document.querySelector(".skip").addEventListener("click", (ev) => {
    ev.preventDefault();
    main.focus();
  });
  onUnauthorised(() => {
    if (session()) {
      setSession(null);
      setCsrf(null);
      renderSignIn(t("signin.expired"));
    }
  });
  window.addEventListener("hashchange", () => route());
  try {
    const got = await api("GET", "/web/session");
    if (got.signed_in) await start(got, { focus: false });
    else renderSignIn();
  } catch {
    renderSignIn();
  }
}

boot();
