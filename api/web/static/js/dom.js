// Building the DOM without HTML strings: every text goes in as a text node (textContent),
// so a mention's text can never become markup. The page's CSP requires Trusted Types, so an
// innerHTML assignment would throw anyway.

const SVG_NS = "http://www.w3.org/2000/svg";

function apply(el, attrs) {
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "on") {
      for (const [event, fn] of Object.entries(value)) el.addEventListener(event, fn);
    } else if (name === "dataset") {
      Object.assign(el.dataset, value);
    } else if (name === "text") {
      el.textContent = String(value);
    } else if (name === "value" && "value" in el) {
      el.value = value;
    } else if (name === "checked" || name === "selected" || name === "disabled") {
      el[name] = Boolean(value);
    } else {
      el.setAttribute(name, value === true ? "" : String(value));
    }
  }
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** h("p", {class: "x"}, "text", childNode, [more]) */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  apply(el, attrs);
  return append(el, children);
}

/** The same in the SVG namespace. */
export function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  apply(el, attrs);
  return append(el, children);
}

export function clear(el) {
  el.replaceChildren();
  return el;
}

export function $(selector, root = document) {
  return root.querySelector(selector);
}

let uid = 0;
/** A unique id for label/aria wiring. */
export function id(prefix = "f") {
  uid += 1;
  return `${prefix}-${uid}`;
}

/** A labelled form field: label + control (+ optional hint), wired with for/id. */
export function field(labelText, control, hint) {
  const cid = control.id || id("in");
  control.id = cid;
  const parts = [h("label", { for: cid }, labelText), control];
  if (hint) {
    const hid = `${cid}-hint`;
    control.setAttribute("aria-describedby", hid);
    parts.push(h("span", { class: "hint", id: hid }, hint));
  }
  return h("div", { class: "field" }, parts);
}

/** A safe external link: only http(s) URLs become links. */
export function safeHref(url) {
  if (!url) return null;
  try {
    const u = new URL(url, window.location.href);
    return u.protocol === "http:" || u.protocol === "https:" ? u.href : null;
  } catch {
    return null;
  }
}
