// Formatting: dates in the reader's language, numbers highlighted in answers, citation
// markers turned into buttons. Everything is built as text nodes.

import { h } from "./dom.js";
import { locale, t } from "./i18n.js";

function loc() {
  const l = locale();
  return l === "en" ? "en-GB" : l; // "22 Feb", as analysts here write dates
}

export function formatDate(value, { time = false, timeZone } = {}) {
  if (!value) return "";
  const d = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(d.getTime())) return String(value);
  const opts = { day: "numeric", month: "short", year: "numeric", timeZone: timeZone || undefined };
  if (time) Object.assign(opts, { hour: "2-digit", minute: "2-digit" });
  try {
    return new Intl.DateTimeFormat(loc(), opts).format(d);
  } catch {
    return d.toISOString().slice(0, time ? 16 : 10).replace("T", " ");
  }
}

/** A plan window {start, end (exclusive)} as "22 Feb" or "17 Feb – 24 Feb". */
export function formatWindow(window, { timeZone, referenceYear } = {}) {
  if (!window) return "";
  const start = new Date(window.start);
  const last = new Date(new Date(window.end).getTime() - 1);
  const sameYear = referenceYear && start.getUTCFullYear() === referenceYear && last.getUTCFullYear() === referenceYear;
  const opts = { day: "numeric", month: "short", timeZone: timeZone || "UTC" };
  if (!sameYear) opts.year = "numeric";
  try {
    const f = new Intl.DateTimeFormat(loc(), opts);
    const a = f.format(start);
    const b = f.format(last);
    return a === b ? a : f.formatRange ? f.formatRange(start, last) : `${a} – ${b}`;
  } catch {
    return window.label || "";
  }
}

const TOKEN = /(\[\d+(?:\s*,\s*\d+)*\])|(\d{4}-\d{2}-\d{2}(?:\s\d{2}:\d{2})?)|([+\-−]?[\d\u0660-\u0669\u06F0-\u06F9]+(?:[.,\u066B\u066C\u00A0\u202F][\d\u0660-\u0669\u06F0-\u06F9]+)*\s?[%٪]?)/g;

/** Appends `text` to `el`: numbers in <span class="num">, dates as they are, [12, 13]
 * citation markers as buttons calling onCite(id). A quote's own numbers are the author's,
 * not Hark's: `numbers: false` leaves them plain. */
export function richText(el, text, onCite, { numbers = true } = {}) {
  let last = 0;
  for (const m of text.matchAll(TOKEN)) {
    if (m.index > last) el.append(document.createTextNode(text.slice(last, m.index)));
    if (m[1] && onCite) {
      const ids = m[1].slice(1, -1).split(",").map((x) => Number(x.trim()));
      el.append("[");
      ids.forEach((cid, i) => {
        if (i) el.append(", ");
        el.append(
          h("button", { type: "button", class: "cite-ref", "aria-label": t("ask.citeRef", { id: cid }), on: { click: () => onCite(cid) } }, String(cid)),
        );
      });
      el.append("]");
    } else if (m[3] && numbers) {
      el.append(h("span", { class: "num" }, m[3]));
    } else {
      el.append(document.createTextNode(m[0]));
    }
    last = m.index + m[0].length;
  }
  if (last < text.length) el.append(document.createTextNode(text.slice(last)));
  return el;
}

/** An answer's text as paragraphs and lists ("- " lines), numbers highlighted. */
export function renderAnswer(container, text, onCite) {
  const blocks = [];
  let list = null;
  for (const raw of text.split("\n")) {
    const line = raw.trimEnd();
    if (!line.trim()) {
      list = null;
      continue;
    }
    const bullet = /^\s*[-•*]\s+/.exec(line);
    const quote = /^\s+«/.test(line) || /^\s*«.*»\s*\[\d/.test(line);
    if (bullet) {
      if (!list) {
        list = h("ul");
        blocks.push(list);
      }
      list.append(richText(h("li"), line.slice(bullet[0].length), onCite));
    } else if (quote) {
      list = null;
      // A quote keeps its own direction (an English tweet inside an Arabic answer).
      blocks.push(
        richText(h("blockquote", { class: "quote", dir: "auto" }), line.trim(), onCite, { numbers: false }),
      );
    } else {
      list = null;
      blocks.push(richText(h("p"), line, onCite));
    }
  }
  container.replaceChildren(...blocks);
}

export function sentimentBadge(sentiment) {
  if (!sentiment) return null;
  return h("span", { class: `badge s-${sentiment}` }, t(`sentiment.${sentiment}`));
}

export function languageName(code) {
  if (!code) return t("unknown");
  try {
    return new Intl.DisplayNames([locale()], { type: "language" }).of(code) || code;
  } catch {
    return code;
  }
}
