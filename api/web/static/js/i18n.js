// UI strings: one small JSON dictionary per language (static/i18n/*.json), English as the
// fallback for a missing key. Right-to-left languages switch the document's direction; the
// stylesheet uses logical properties throughout, so the layout mirrors by itself.

export const LANGUAGES = ["en", "ru", "ar", "fa"];
export const RTL = new Set(["ar", "fa", "he", "ur"]);
const STORE = "hark.lang";

let lang = "en";
let dict = {};
let fallback = {};
const listeners = new Set();

async function load(code) {
  const r = await fetch(`/web/static/i18n/${code}.json`, { credentials: "same-origin" });
  if (!r.ok) throw new Error(`no dictionary for ${code}`);
  return r.json();
}

export function current() {
  return lang;
}

export function locale() {
  return lang === "fa" ? "fa-IR" : lang === "ar" ? "ar" : lang;
}

function lookup(table, key) {
  return key.split(".").reduce((node, part) => (node && typeof node === "object" ? node[part] : undefined), table);
}

/** t("ask.title"), t("count.mentions", {n: 3}) (plural forms by Intl.PluralRules). */
export function t(key, vars = {}) {
  let value = lookup(dict, key);
  if (value === undefined) value = lookup(fallback, key);
  if (value === undefined) return key;
  if (typeof value === "object") {
    const rule = new Intl.PluralRules(locale()).select(Number(vars.n ?? 0));
    value = value[rule] ?? value.other ?? "";
  }
  return String(value).replace(/\{(\w+)\}/g, (_, name) =>
    name in vars ? (typeof vars[name] === "number" ? formatNumber(vars[name]) : String(vars[name])) : `{${name}}`,
  );
}

export function formatNumber(n, options = {}) {
  return new Intl.NumberFormat(locale(), options).format(n);
}

export function translateStatic(root = document) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-aria-label]")) {
    el.setAttribute("aria-label", t(el.dataset.i18nAriaLabel));
  }
}

export function onChange(fn) {
  listeners.add(fn);
}

export async function setLanguage(code) {
  if (!LANGUAGES.includes(code)) code = "en";
  if (!Object.keys(fallback).length) fallback = await load("en");
  dict = code === "en" ? fallback : await load(code);
  lang = code;
  try {
    localStorage.setItem(STORE, code); // the language only: nothing secret is ever stored
  } catch {
    /* private mode */
  }
  document.documentElement.lang = code;
  document.documentElement.dir = RTL.has(code) ? "rtl" : "ltr";
  document.title = t("title");
  translateStatic();
  for (const fn of listeners) fn(code);
}

export function preferred() {
  let saved = null;
  try {
    saved = localStorage.getItem(STORE);
  } catch {
    /* private mode */
  }
  if (saved && LANGUAGES.includes(saved)) return saved;
  const asked = (navigator.language || "en").slice(0, 2);
  return LANGUAGES.includes(asked) ? asked : "en";
}
