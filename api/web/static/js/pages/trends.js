// Trends: volume, negative share and average rating over time for a brand, topic, source or
// place (GET /web/api/trend, which reads the ask engine's own trend answers), spikes marked.
// A bar, or a row's button, lists the mentions behind it: a search over the bucket's dates.

import { api } from "../api.js";
import { errorBox, mentionCard, openMentionDialog, pageHeader, select } from "../components.js";
import { barChart } from "../chart.js";
import { field, h, id } from "../dom.js";
import { formatDate } from "../format.js";
import { formatNumber, t } from "../i18n.js";
import { planWords } from "../plan.js";
import { facets } from "../state.js";

const PARAMS = ["brand", "topic", "source", "location", "granularity", "since", "until"];

export async function render(main, params, { go }) {
  const f = facets();
  const brand = select(f.brands, { value: params.get("brand") || "", name: "brand", any: t("trends.allBrands") });
  const topic = select((f.topics || []).map((x) => [x.name, x.name]), { value: params.get("topic") || "", name: "topic", any: t("trends.allTopics") });
  const source = select(f.sources, { value: params.get("source") || "", name: "source", any: t("trends.allSources") });
  const locList = id("tloc");
  const location = h("input", { type: "text", name: "location", value: params.get("location") || "", list: locList, dir: "auto" });
  const granularity = select(["day", "week", "month"].map((x) => [x, t(`trends.g.${x}`)]), { value: params.get("granularity") || "day", name: "granularity", any: null });
  const since = h("input", { type: "date", name: "since", value: params.get("since") || (f.earliest || "").slice(0, 10) });
  const until = h("input", { type: "date", name: "until", value: params.get("until") || (f.latest || "").slice(0, 10) });
  const form = h(
    "form",
    { class: "filters card", "aria-label": t("trends.filters") },
    h(
      "div",
      { class: "grid" },
      field(t("trends.brand"), brand),
      field(t("trends.topic"), topic),
      field(t("trends.source"), source),
      field(t("trends.location"), location),
      field(t("trends.granularity"), granularity),
      field(t("trends.since"), since),
      field(t("trends.until"), until),
    ),
    h("datalist", { id: locList }, (f.locations || []).map((x) => h("option", { value: x }))),
    h("div", { class: "row" }, h("button", { type: "submit", class: "primary" }, t("trends.show"))),
  );
  const out = h("div", { class: "trend-out", "aria-live": "polite", "aria-busy": "false" });
  const drill = h("section", { class: "drill", "aria-labelledby": "drill-title", hidden: true });
  main.append(...pageHeader("trends.title", "trends.intro"), form, out, drill);

  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const p = new URLSearchParams();
    for (const name of PARAMS) {
      const el = form.elements.namedItem(name);
      if (el && el.value) p.set(name, el.value);
    }
    go("trends", p);
  });

  const query = {};
  for (const name of PARAMS) if (params.get(name)) query[name] = params.get(name);
  if (!query.since && f.earliest) query.since = f.earliest.slice(0, 10);
  if (!query.until && f.latest) query.until = f.latest.slice(0, 10);
  out.setAttribute("aria-busy", "true");
  out.replaceChildren(h("p", { class: "muted" }, t("loading")));
  let trend;
  try {
    trend = await api("GET", "/web/api/trend", { query });
  } catch (err) {
    out.replaceChildren(errorBox(err));
    out.setAttribute("aria-busy", "false");
    return;
  }
  out.replaceChildren(...show(trend, (bucket, series) => drillDown(drill, trend, bucket, series)));
  out.setAttribute("aria-busy", "false");
}

function bucketLabel(b, granularity, short = false) {
  const d = new Date(`${b.start}T00:00:00Z`);
  const opts = granularity === "month" ? { month: short ? "short" : "long", year: "numeric", timeZone: "UTC" } : { day: "numeric", month: "short", timeZone: "UTC" };
  const text = new Intl.DateTimeFormat(document.documentElement.lang === "en" ? "en-GB" : document.documentElement.lang, opts).format(d);
  return granularity === "week" && !short ? t("trends.weekOf", { date: text }) : text;
}

function show(trend, pick) {
  const g = trend.granularity;
  const parts = [];
  parts.push(h("p", { class: "readas" }, planWords(trend.plans.volume)));
  if ((trend.not_read || []).length) parts.push(h("p", { class: "warn" }, t("trends.notRead", { values: trend.not_read.join(", ") })));
  for (const note of trend.notes || []) parts.push(h("p", { class: "warn" }, note));
  const buckets = trend.buckets || [];
  if (!buckets.length) {
    parts.push(h("p", null, t("trends.none")));
    return parts;
  }
  const total = buckets.reduce((a, b) => a + b.volume, 0);
  const spikes = buckets.filter((b) => b.spike || b.negative_spike);
  parts.push(
    h("p", { class: "summary" }, t("trends.total", { n: total }), spikes.length ? ` · ${t("trends.spikes", { n: spikes.length })}` : ""),
  );
  const label = (b) => bucketLabel(b, g);
  const volumePoints = buckets.map((b) => ({
    label: label(b),
    short: bucketLabel(b, g, true),
    value: b.volume,
    mark: Boolean(b.spike),
    title: `${label(b)}: ${b.volume}${b.spike ? ` (${t("trends.spikeTitle", { expected: b.spike.expected })})` : ""}`,
    bucket: b,
  }));
  const sharePoints = buckets.map((b) => ({ label: label(b), short: bucketLabel(b, g, true), value: b.negative_share, mark: Boolean(b.negative_spike), bucket: b }));
  const ratingPoints = buckets.map((b) => ({ label: label(b), short: bucketLabel(b, g, true), value: b.rating, bucket: b }));
  const hasRating = ratingPoints.some((p) => p.value !== null && p.value !== undefined);

  const figure = (titleKey, chart, note) =>
    h("figure", { class: "card chart-card" }, h("figcaption", null, h("h2", { class: "small-title" }, t(titleKey))), chart, note ? h("p", { class: "muted small" }, note) : null);

  parts.push(
    h(
      "div",
      { class: "charts" },
      figure("trends.volume", barChart({ points: volumePoints, onPick: (p) => pick(p.bucket, "all"), cls: "volume", summary: t("trends.volumeSummary", { n: total }) }), t("trends.clickHint")),
      figure("trends.negativeShare", barChart({ points: sharePoints, max: 100, unit: "%", onPick: (p) => pick(p.bucket, "negative"), cls: "negative", summary: t("trends.negativeShare") })),
      figure(
        "trends.rating",
        hasRating ? barChart({ points: ratingPoints, onPick: (p) => pick(p.bucket, "all"), cls: "rating", summary: t("trends.rating") }) : h("p", { class: "muted" }, t("trends.noRatings")),
      ),
    ),
  );

  // The same numbers as a table, each row with buttons: the keyboard's way to drill down.
  const table = h(
    "table",
    { class: "data" },
    h("caption", null, t("trends.table")),
    h(
      "thead",
      null,
      h("tr", null, [t("trends.bucket"), t("trends.volume"), t("trends.negative"), t("trends.negativeShare"), t("trends.rating"), t("trends.mentions")].map((x) => h("th", { scope: "col" }, x))),
    ),
    h(
      "tbody",
      null,
      buckets.map((b) =>
        h(
          "tr",
          { class: b.spike || b.negative_spike ? "spike-row" : null },
          h("th", { scope: "row" }, label(b), b.spike || b.negative_spike ? h("span", { class: "badge spike" }, t("trends.spike")) : null),
          h("td", null, formatNumber(b.volume)),
          h("td", null, b.negative === null ? "—" : formatNumber(b.negative)),
          h("td", null, b.negative_share === null ? "—" : `${formatNumber(b.negative_share)}%`),
          h("td", null, b.rating === null ? "—" : formatNumber(b.rating, { maximumFractionDigits: 2 })),
          h(
            "td",
            { class: "actions" },
            h("button", { type: "button", class: "link", disabled: !b.volume, "aria-label": t("trends.listAllFor", { bucket: label(b) }), on: { click: () => pick(b, "all") } }, t("trends.listAll")),
            " ",
            h("button", { type: "button", class: "link", disabled: !b.negative, "aria-label": t("trends.listNegativeFor", { bucket: label(b) }), on: { click: () => pick(b, "negative") } }, t("trends.listNegative")),
          ),
        ),
      ),
    ),
  );
  parts.push(h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": t("trends.table") }, table));
  return parts;
}

async function drillDown(drill, trend, bucket, series) {
  const scope = trend.scope || {};
  const query = { q: scope.topic || scope.brand || scope.source || t("trends.defaultQuery"), since: bucket.since, until: bucket.until, k: 200 };
  if (scope.brand) query.brand = scope.brand;
  if (scope.source) query.source = scope.source;
  if (scope.location) query.location = scope.location;
  if (series === "negative") query.sentiment = "negative";
  const label = bucketLabel(bucket, trend.granularity);
  const title = h("h2", { id: "drill-title", tabindex: "-1" }, series === "negative" ? t("trends.drillNegative", { bucket: label }) : t("trends.drillAll", { bucket: label }));
  const status = h("p", { class: "muted", role: "status" }, t("loading"));
  const list = h("div", { class: "cards" });
  const params = new URLSearchParams({ q: query.q, since: bucket.since, until: bucket.until, k: "200" });
  for (const name of ["brand", "source", "location", "sentiment"]) if (query[name]) params.set(name, query[name]);
  if (scope.topic_id) params.set("topic", scope.topic_id);
  const more = h("a", { href: `#mentions?${params.toString()}`, class: "button secondary" }, t("trends.openInMentions"));
  drill.hidden = false;
  drill.replaceChildren(title, h("p", { class: "muted small" }, `${formatDate(bucket.since, { time: true })} – ${formatDate(bucket.until, { time: true })}`), status, list, more);
  title.focus();
  try {
    const got = await api("GET", "/v1/mentions/search", { query });
    let hits = got.hits;
    if (scope.topic_id) hits = hits.filter((x) => (x.mention.topics || []).some((tg) => tg.topic === scope.topic_id));
    status.textContent = t("trends.drillFound", { n: hits.length });
    for (const hit of hits) {
      const open = h("button", { type: "button", class: "secondary", on: { click: (ev) => openMentionDialog(hit.mention.id, ev.currentTarget) } }, t("ask.openCitation"));
      list.append(mentionCard(hit.mention, { actions: [open], compact: true }));
    }
  } catch (err) {
    status.replaceChildren(errorBox(err));
  }
}
