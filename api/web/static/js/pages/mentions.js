// Mentions: search with every filter of GET /v1/mentions/search, each hit with its language,
// sentiment, topics and brands; a label corrected in place (PUT /v1/mentions/{id}/labels);
// the current results exported as CSV. The filters live in the URL (#mentions?q=...), so
// the Trends page can open the mentions behind a bar.

import { api } from "../api.js";
import { download, entityName, errorBox, labelEditor, mentionCard, pageHeader, select, toCsv, topicName } from "../components.js";
import { field, h, id } from "../dom.js";
import { t } from "../i18n.js";
import { SENTIMENTS, SOURCE_TYPES, facets } from "../state.js";

const FILTERS = ["q", "since", "until", "source", "source_type", "language", "brand", "location", "sentiment", "author_type", "rating_min", "rating_max", "k", "topic"];
const MORE = ["source", "source_type", "language", "location", "author_type", "rating_min", "rating_max"];
let last = null; // the latest results, for the CSV

function dateInput(name, value) {
  return h("input", { type: "date", name, value: value ? value.slice(0, 10) : "" });
}

export async function render(main, params, { go }) {
  const f = facets();
  const q = h("input", { type: "search", name: "q", required: true, value: params.get("q") || "", dir: "auto", class: "wide", maxlength: 2000 });
  const since = dateInput("since", params.get("since"));
  // The page's "until" is a day included; an exact end (from a trend's bucket) is exclusive.
  const untilParam = params.get("until") || "";
  const until = dateInput("until", untilParam.length > 10 ? new Date(Date.parse(untilParam) - 1000).toISOString() : untilParam);
  const source = select(f.sources, { value: params.get("source") || "", name: "source" });
  const sourceType = select(SOURCE_TYPES.map((x) => [x, t(`sourceType.${x}`)]), { value: params.get("source_type") || "", name: "source_type" });
  const language = h("input", { type: "text", name: "language", value: params.get("language") || "", maxlength: 8, size: 4, autocomplete: "off", placeholder: "en" });
  const brand = select(f.brands, { value: params.get("brand") || "", name: "brand" });
  const locationList = id("locations");
  const location = h("input", { type: "text", name: "location", value: params.get("location") || "", list: locationList, dir: "auto" });
  const sentimentChecks = SENTIMENTS.map((x) => {
    const cb = h("input", { type: "checkbox", name: "sentiment", value: x, checked: params.getAll("sentiment").includes(x) });
    cb.id = id("sent");
    return h("div", { class: "check" }, cb, h("label", { for: cb.id }, t(`sentiment.${x}`)));
  });
  const author = select(
    [
      ["brand", t("mentions.authorBrand")],
      ["customer,brand", t("mentions.authorBoth")],
    ],
    { value: params.get("author_type") || "", any: t("mentions.authorCustomer"), name: "author_type" },
  );
  const ratingMin = h("input", { type: "number", name: "rating_min", step: "any", value: params.get("rating_min") || "", inputmode: "decimal" });
  const ratingMax = h("input", { type: "number", name: "rating_max", step: "any", value: params.get("rating_max") || "", inputmode: "decimal" });
  const k = h("input", { type: "number", name: "k", min: 1, max: 200, value: params.get("k") || "50", inputmode: "numeric" });
  const topic = select((f.topics || []).map((x) => [x.id, x.name]), { value: params.get("topic") || "", name: "topic" });
  const sentLegend = id("sl");
  const queueButton = h("button", { type: "button", class: "secondary" }, t("mentions.queue"));

  const form = h(
    "form",
    { class: "filters card", "aria-label": t("mentions.filters"), role: "search" },
    field(t("mentions.query"), q, t("mentions.queryHint")),
    h(
      "div",
      { class: "grid" },
      field(t("mentions.since"), since),
      field(t("mentions.until"), until, t("mentions.untilHint")),
      field(t("mentions.brand"), brand),
      field(t("mentions.topic"), topic, t("mentions.topicHint")),
    ),
    h("fieldset", { class: "inline", "aria-labelledby": sentLegend }, h("legend", { id: sentLegend }, t("mentions.sentiment")), h("div", { class: "checks" }, sentimentChecks)),
    h(
      "details",
      { class: "more", open: MORE.some((name) => params.get(name)) },
      h("summary", null, t("mentions.more")),
      h(
        "div",
        { class: "grid" },
        field(t("mentions.source"), source),
        field(t("mentions.sourceType"), sourceType),
        field(t("mentions.language"), language, t("mentions.languageHint")),
        field(t("mentions.location"), location),
        field(t("mentions.author"), author),
        field(t("mentions.ratingMin"), ratingMin),
        field(t("mentions.ratingMax"), ratingMax),
        field(t("mentions.k"), k),
      ),
    ),
    h("datalist", { id: locationList }, (f.locations || []).map((x) => h("option", { value: x }))),
    h("div", { class: "row" }, h("button", { type: "submit", class: "primary" }, t("mentions.search")), queueButton),
  );
  const summary = h("p", { class: "summary", role: "status", "aria-live": "polite" });
  const exportButton = h("button", { type: "button", class: "secondary", disabled: true }, t("mentions.export"));
  const results = h("div", { class: "cards results" });
  queueButton.addEventListener("click", () => showQueue(results, summary, exportButton));
  main.append(
    ...pageHeader("mentions.title", "mentions.intro"),
    form,
    h("h2", { class: "sr-only" }, t("mentions.results")),
    h("div", { class: "row results-bar" }, summary, exportButton),
    results,
  );

  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const p = new URLSearchParams();
    for (const el of form.elements) {
      if (!el.name || !FILTERS.includes(el.name)) continue;
      if (el.type === "checkbox") {
        if (el.checked) p.append(el.name, el.value);
      } else if (el.value) {
        p.append(el.name, el.value);
      }
    }
    go("mentions", p);
  });
  exportButton.addEventListener("click", () => {
    if (!last) return;
    const rows = [["id", "created_at", "source", "source_type", "language", "brand", "location", "sentiment", "topics", "brands", "rating", "url", "text"]];
    for (const { mention: m } of last.hits) {
      rows.push([
        m.id, m.created_at, m.source, m.source_type, m.language, m.brand, m.location, m.sentiment,
        (m.topics || []).map((x) => x.topic).join(";"),
        (m.entities || []).map((x) => x.entity).join(";"),
        m.rating, m.url, m.text,
      ]);
    }
    download(`hark-mentions-${new Date().toISOString().slice(0, 10)}.csv`, toCsv(rows));
  });

  if (!params.get("q")) {
    summary.textContent = t("mentions.empty");
    return;
  }
  summary.textContent = t("loading");
  const query = { q: params.get("q"), k: params.get("k") || 50 };
  for (const name of ["source", "source_type", "language", "brand", "location", "rating_min", "rating_max"]) {
    if (params.get(name)) query[name] = params.get(name);
  }
  // A bare date is a day in UTC for the API; until is inclusive on the page, exclusive there.
  const day = (v) => (v && v.length === 10 ? `${v}T00:00:00Z` : v);
  if (params.get("since")) query.since = day(params.get("since"));
  if (params.get("until")) {
    const u = params.get("until");
    query.until = u.length === 10 ? new Date(Date.parse(`${u}T00:00:00Z`) + 86400000).toISOString().replace(".000", "") : u;
  }
  if (params.getAll("sentiment").length) query.sentiment = params.getAll("sentiment");
  if (params.get("author_type")) query.author_type = params.get("author_type").split(",");
  try {
    const got = await api("GET", "/v1/mentions/search", { query });
    const wanted = params.get("topic");
    const hits = wanted ? got.hits.filter((x) => (x.mention.topics || []).some((tg) => tg.topic === wanted)) : got.hits;
    last = { ...got, hits };
    exportButton.disabled = !hits.length;
    const parts = [t("mentions.found", { n: hits.length })];
    if (got.candidates !== null && got.candidates !== undefined) parts.push(t("mentions.candidates", { n: got.candidates }));
    if (wanted) parts.push(t("mentions.topicFiltered", { topic: topicName(wanted) }));
    summary.textContent = parts.join(" · ");
    for (const hit of hits) results.append(resultCard(hit.mention));
  } catch (err) {
    summary.textContent = "";
    results.append(errorBox(err));
  }
}

// What to label next (GET /v1/labeling/queue): the model's least sure mentions, every fourth
// a random audit pick; each correction is sent back with the pick the queue gave.
async function showQueue(results, summary, exportButton) {
  summary.textContent = t("loading");
  exportButton.disabled = true;
  results.replaceChildren();
  try {
    const items = await api("GET", "/v1/labeling/queue", { query: { limit: 12 } });
    summary.textContent = t("mentions.queueFound", { n: items.length });
    for (const item of items) {
      const m = { id: item.mention_id, text: item.text, title: item.title, language: item.language, created_at: item.created_at, sentiment: item.sentiment, topics: item.topics.map((x) => ({ topic: x })), source: "", entities: [] };
      const card = resultCard(m, item.pick);
      card.querySelector(".meta").prepend(h("div", null, h("dt", null, t("mentions.why")), h("dd", null, item.why)));
      results.append(card);
    }
  } catch (err) {
    summary.textContent = "";
    results.append(errorBox(err));
  }
}

function resultCard(m, pick = "manual") {
  const slot = h("div", { class: "editor-slot" });
  const fix = h("button", { type: "button", class: "secondary", "aria-expanded": "false" }, t("labels.correct"));
  const card = mentionCard(m, { actions: [fix] });
  card.append(slot);
  fix.addEventListener("click", () => {
    if (slot.childElementCount) {
      slot.replaceChildren();
      fix.setAttribute("aria-expanded", "false");
      return;
    }
    fix.setAttribute("aria-expanded", "true");
    slot.replaceChildren(
      labelEditor(m.id, {
        pick,
        onSaved: (labels) => {
          const updated = {
            ...m,
            sentiment: labels.sentiment,
            topics: labels.topics.map((x) => ({ topic: x, similarity: 1 })),
            entities: labels.brand ? [{ entity: labels.brand, kind: "brand", main: true, surface: entityName(labels.brand) }] : m.entities,
          };
          const next = resultCard(updated, pick);
          next.classList.add("corrected");
          next.querySelector(".card-title").append(" ", h("span", { class: "badge corrected" }, t("labels.corrected")));
          card.replaceWith(next);
          next.querySelector("button.secondary").focus();
        },
        onCancel: () => {
          slot.replaceChildren();
          fix.setAttribute("aria-expanded", "false");
          fix.focus();
        },
      }),
    );
  });
  return card;
}
