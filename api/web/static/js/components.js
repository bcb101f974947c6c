// Pieces several pages use: a mention card, the label editor, a mention dialog, selects.

import { api } from "./api.js";
import { clear, field, h, id, safeHref } from "./dom.js";
import { formatDate, languageName, sentimentBadge } from "./format.js";
import { t } from "./i18n.js";
import { SENTIMENTS, facets } from "./state.js";

export function toast(message, kind = "info") {
  const el = document.getElementById("toast");
  el.className = `toast show ${kind}`;
  el.textContent = message;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => el.classList.remove("show"), 5000);
}

export function errorText(err) {
  if (!err) return t("error.generic");
  if (err.status === 403) return t("error.forbidden");
  if (err.status === 429) return t("error.rateLimited", { message: err.message });
  return err.message || t("error.generic");
}

export function errorBox(err) {
  return h("p", { class: "error", role: "alert" }, errorText(err));
}

export function topicName(topicId) {
  const found = (facets().topics || []).find((x) => x.id === topicId);
  return found ? found.name : topicId;
}

export function entityName(entityId) {
  const found = (facets().entities || []).find((x) => x.id === entityId);
  return found ? found.name : entityId;
}

/** A <select> with an "any" first option and values from a list. */
export function select(options, { value = "", any = t("any"), name, multiple = false } = {}) {
  const el = h("select", { name, multiple });
  if (any !== null) el.append(h("option", { value: "" }, any));
  for (const o of options) {
    const [v, label] = Array.isArray(o) ? o : [o, o];
    el.append(h("option", { value: v, selected: v === value }, label));
  }
  return el;
}

function chips(items, cls) {
  if (!items.length) return null;
  return h("ul", { class: `chips ${cls}` }, items.map((x) => h("li", null, x)));
}

/** A mention as a card: its text (always as text), meta, sentiment, topics, brands. */
export function mentionCard(m, { actions = [], headingLevel = "h3", compact = false } = {}) {
  const href = safeHref(m.url);
  const topics = (m.topics || []).map((tag) => `${topicName(tag.topic)}${tag.sentiment ? ` (${t(`sentiment.${tag.sentiment}`)})` : ""}`);
  const brands = (m.entities || []).map((e) => `${entityName(e.entity)}${e.main ? " ★" : ""}`);
  const meta = h(
    "dl",
    { class: "meta" },
    h("div", null, h("dt", null, t("mention.source")), h("dd", null, m.source)),
    h("div", null, h("dt", null, t("mention.date")), h("dd", null, m.created_at ? h("time", { datetime: m.created_at }, formatDate(m.created_at, { time: true })) : t("unknown"))),
    h("div", null, h("dt", null, t("mention.language")), h("dd", { lang: m.language || null }, languageName(m.language))),
    m.brand ? h("div", null, h("dt", null, t("mention.brand")), h("dd", null, m.brand)) : null,
    m.rating !== null && m.rating !== undefined ? h("div", null, h("dt", null, t("mention.rating")), h("dd", null, `${m.rating}${m.rating_max ? ` / ${m.rating_max}` : ""}`)) : null,
  );
  const heading = h(headingLevel, { class: "card-title" }, h("span", { class: "mid" }, `#${m.id}`), " ", sentimentBadge(m.sentiment));
  return h(
    "article",
    { class: `card mention${compact ? " compact" : ""}`, id: `mention-${m.id}`, dataset: { id: String(m.id) } },
    heading,
    m.title ? h("p", { class: "mtitle", lang: m.language || null, dir: "auto" }, m.title) : null,
    h("p", { class: "mtext", lang: m.language || null, dir: "auto" }, m.text),
    meta,
    topics.length ? h("div", { class: "tags" }, h("span", { class: "tag-label" }, t("mention.topics")), chips(topics, "topics")) : null,
    brands.length ? h("div", { class: "tags" }, h("span", { class: "tag-label" }, t("mention.brands")), chips(brands, "brands")) : null,
    h("div", { class: "card-actions" }, href ? h("a", { href, rel: "noopener noreferrer nofollow", target: "_blank", class: "ext" }, t("mention.open")) : null, actions),
  );
}

/** The correction form for one mention: sentiment, topics, main brand. onSaved(labels). */
export function labelEditor(mentionId, { pick = "manual", onSaved, onCancel, autofocus = true } = {}) {
  const box = h("form", { class: "labels", "aria-label": t("labels.title", { id: mentionId }) });
  box.append(h("p", { class: "muted" }, t("loading")));
  api("GET", `/v1/mentions/${mentionId}/labels`)
    .then((labels) => fill(labels))
    .catch((err) => box.replaceChildren(errorBox(err)));

  function fill(labels) {
    clear(box);
    const sentiment = select(SENTIMENTS.map((x) => [x, t(`sentiment.${x}`)]), { value: labels.sentiment || "", any: t("labels.unset") });
    sentiment.name = "sentiment";
    const legendId = id("topics");
    const topicBoxes = (facets().topics || []).map((tp) => {
      const cb = h("input", { type: "checkbox", name: "topic", value: tp.id, checked: (labels.topics || []).includes(tp.id) });
      cb.id = id("tp");
      return h("div", { class: "check" }, cb, h("label", { for: cb.id }, tp.name));
    });
    const brandOptions = (facets().entities || []).map((e) => [e.id, e.name]);
    const brand = select(brandOptions, { value: labels.brand || "", any: t("labels.noBrand") });
    brand.name = "brand";
    const probs = labels.probabilities
      ? Object.entries(labels.probabilities).map(([k, v]) => `${t(`sentiment.${k}`)} ${Math.round(v * 100)}%`).join(" · ")
      : "";
    box.append(
      h("p", { class: "muted small" }, t("labels.origin", { origin: labels.sentiment_origin || "—" }), probs ? ` · ${probs}` : ""),
      field(t("labels.sentiment"), sentiment),
      topicBoxes.length ? h("fieldset", { "aria-describedby": legendId }, h("legend", { id: legendId }, t("labels.topics")), h("div", { class: "checks" }, topicBoxes)) : null,
      brandOptions.length ? field(t("labels.brand"), brand) : null,
      h(
        "div",
        { class: "row" },
        h("button", { type: "submit", class: "primary" }, t("labels.save")),
        h("button", { type: "button", class: "ghost", on: { click: () => onCancel && onCancel() } }, t("cancel")),
      ),
      h("p", { class: "status", role: "status", "aria-live": "polite" }),
    );
    if (autofocus) box.querySelector("select, input")?.focus();
    box.onsubmit = async (ev) => {
      ev.preventDefault();
      const body = { pick };
      if (sentiment.value) body.sentiment = sentiment.value;
      // The sentiment is sent as shown (confirming the model is a label too); topics and the
      // brand only when changed, so a glance at them does not freeze them as corrections.
      const topics = [...box.querySelectorAll("input[name=topic]:checked")].map((x) => x.value);
      const before = [...(labels.topics || [])].sort().join("|");
      if (topicBoxes.length && [...topics].sort().join("|") !== before) body.topics = topics;
      if (brandOptions.length && (brand.value || null) !== (labels.brand || null)) body.brand = brand.value || null;
      const status = box.querySelector(".status");
      status.textContent = t("saving");
      try {
        const saved = await api("PUT", `/v1/mentions/${mentionId}/labels`, { body });
        status.textContent = t("labels.saved");
        toast(t("labels.saved"));
        if (onSaved) onSaved(saved);
      } catch (err) {
        status.replaceChildren(errorBox(err));
      }
    };
  }
  return box;
}

/** A modal dialog showing one mention in full, with its label editor. */
export async function openMentionDialog(mentionId, opener) {
  const dialog = h("dialog", { class: "mention-dialog", "aria-labelledby": "dlg-title" });
  const close = () => {
    dialog.close();
  };
  dialog.addEventListener("close", () => {
    dialog.remove();
    if (opener) opener.focus();
  });
  const body = h("div", { class: "dialog-body" }, h("p", null, t("loading")));
  dialog.append(
    h("div", { class: "dialog-head" }, h("h2", { id: "dlg-title" }, t("mention.title", { id: mentionId })), h("button", { type: "button", class: "ghost", on: { click: close } }, t("close"))),
    body,
  );
  document.body.append(dialog);
  dialog.showModal();
  try {
    const m = await api("GET", `/v1/mentions/${mentionId}`);
    const card = mentionCard(m, { headingLevel: "h3" });
    const editorSlot = h("div");
    const fix = h("button", {
      type: "button",
      class: "secondary",
      on: {
        click: () => {
          editorSlot.replaceChildren(labelEditor(mentionId, { onSaved: () => fix.focus(), onCancel: () => editorSlot.replaceChildren() }));
        },
      },
    }, t("labels.correct"));
    card.querySelector(".card-actions").append(fix);
    body.replaceChildren(card, editorSlot);
  } catch (err) {
    body.replaceChildren(errorBox(err));
  }
  return dialog;
}

/** CSV of rows (arrays), cells that a spreadsheet would run as a formula made inert. */
export function toCsv(rows) {
  const cell = (v) => {
    let s = v === null || v === undefined ? "" : String(v);
    if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return `${rows.map((r) => r.map(cell).join(",")).join("\r\n")}\r\n`;
}

export function download(name, text, type = "text/csv;charset=utf-8") {
  const blob = new Blob(["\ufeff", text], { type });
  const href = URL.createObjectURL(blob);
  const a = h("a", { href, download: name, class: "sr-only" }, name);
  document.body.append(a);
  a.click();
  setTimeout(() => {
    URL.revokeObjectURL(href);
    a.remove();
  }, 1000);
}

export function pageHeader(titleKey, introKey) {
  return [h("h1", { id: "page-title", tabindex: "-1" }, t(titleKey)), introKey ? h("p", { class: "intro" }, t(introKey)) : null];
}
