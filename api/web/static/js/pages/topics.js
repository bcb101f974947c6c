// Topics: the taxonomy with its versions (view any, edit the current one, make an old one
// current again: each save is a new version), and the clusters topic discovery found, with
// their quotes, to promote into the taxonomy.

import { api } from "../api.js";
import { errorBox, pageHeader, select, toast } from "../components.js";
import { field, h, id } from "../dom.js";
import { t } from "../i18n.js";
import { loadFacets } from "../state.js";

export async function render(main) {
  const taxonomy = h("section", { class: "card", "aria-labelledby": "tax-title" });
  const discovered = h("section", { class: "card", "aria-labelledby": "disc-title" });
  main.append(...pageHeader("topics.title", "topics.intro"), taxonomy, discovered);
  await Promise.all([renderTaxonomy(taxonomy), renderDiscovered(discovered, () => renderTaxonomy(taxonomy))]);
}

async function renderTaxonomy(box, version = null, latest = null) {
  box.replaceChildren(h("h2", { id: "tax-title" }, t("topics.taxonomy")), h("p", { class: "muted" }, t("loading")));
  let got = null;
  try {
    got = await api("GET", "/v1/taxonomy", { query: { version } });
  } catch (err) {
    if (err.status !== 404) {
      box.append(errorBox(err));
      return;
    }
  }
  latest = latest ?? (got ? got.version : 0);
  const title = h("h2", { id: "tax-title" }, t("topics.taxonomy"));
  box.replaceChildren(title);
  if (!got) {
    box.append(h("p", null, t("topics.none")));
    box.append(editor(box, { topics: [] }, latest));
    return;
  }
  const versions = select(
    Array.from({ length: latest }, (_, i) => latest - i).map((v) => [String(v), v === latest ? t("topics.versionCurrent", { n: v }) : t("topics.version", { n: v })]),
    { value: String(got.version), any: null, name: "version" },
  );
  versions.addEventListener("change", () => renderTaxonomy(box, Number(versions.value), latest));
  const isCurrent = got.version === latest;
  const tools = h("div", { class: "row" }, field(t("topics.versionLabel"), versions));
  if (isCurrent) {
    tools.append(h("button", { type: "button", class: "secondary", on: { click: () => box.replaceChildren(title, editor(box, got.body, latest)) } }, t("topics.edit")));
  } else {
    tools.append(
      h(
        "button",
        {
          type: "button",
          class: "secondary",
          on: {
            click: async () => {
              try {
                const saved = await api("PUT", "/v1/taxonomy", { body: got.body });
                toast(t("topics.saved", { n: saved.version }));
                await loadFacets();
                renderTaxonomy(box, null, null);
              } catch (err) {
                box.append(errorBox(err));
              }
            },
          },
        },
        t("topics.restore", { n: got.version }),
      ),
    );
  }
  box.append(tools, topicTable(got.body.topics || [], t("topics.version", { n: got.version })));
}

function topicTable(topics, label) {
  const names = new Map(topics.map((x) => [x.id, x.name]));
  return h(
    "div",
    { class: "table-wrap", tabindex: "0", role: "region", "aria-label": label },
    h(
      "table",
      { class: "data topics" },
      h("thead", null, h("tr", null, [t("topics.name"), t("topics.description"), t("topics.examples"), t("topics.parent")].map((x) => h("th", { scope: "col" }, x)))),
      h(
        "tbody",
        null,
        topics.map((tp) =>
          h(
            "tr",
            null,
            h("th", { scope: "row" }, tp.name, h("div", { class: "muted small" }, tp.id || "")),
            h("td", { dir: "auto" }, tp.description || ""),
            h("td", null, (tp.examples || []).length ? h("ul", { class: "plain" }, tp.examples.map((e) => h("li", { dir: "auto" }, e))) : "—"),
            h("td", null, tp.parent ? names.get(tp.parent) || tp.parent : "—"),
          ),
        ),
      ),
    ),
  );
}

function topicFields(tp, all, onRemove) {
  const name = h("input", { type: "text", name: "name", value: tp.name || "", required: true, maxlength: 128, dir: "auto" });
  const tid = h("input", { type: "text", name: "id", value: tp.id || "", maxlength: 64, pattern: "[a-z0-9_\\-]*", autocomplete: "off" });
  const description = h("textarea", { name: "description", rows: 2, dir: "auto" });
  description.value = tp.description || "";
  const examples = h("textarea", { name: "examples", rows: 3, dir: "auto" });
  examples.value = (tp.examples || []).join("\n");
  const parent = select(all.filter((x) => x.id && x.id !== tp.id).map((x) => [x.id, x.name]), { value: tp.parent || "", any: t("topics.noParent"), name: "parent" });
  const legend = id("tl");
  return h(
    "fieldset",
    { class: "topic-edit", "aria-labelledby": legend },
    h("legend", { id: legend }, tp.name || t("topics.newTopic")),
    h("div", { class: "grid" }, field(t("topics.name"), name), field(t("topics.id"), tid, t("topics.idHint")), field(t("topics.parent"), parent)),
    field(t("topics.description"), description),
    field(t("topics.examples"), examples, t("topics.examplesHint")),
    h("button", { type: "button", class: "ghost danger", on: { click: onRemove } }, t("topics.remove", { name: tp.name || t("topics.newTopic") })),
  );
}

function editor(box, body, latest) {
  const list = h("div", { class: "topic-list" });
  const topics = [...(body.topics || [])];
  const redraw = () => {
    list.replaceChildren(
      ...topics.map((tp, i) =>
        topicFields(tp, topics, () => {
          sync();
          topics.splice(i, 1);
          redraw();
        }),
      ),
    );
  };
  const sync = () => {
    [...list.querySelectorAll("fieldset.topic-edit")].forEach((fs, i) => {
      const get = (n) => fs.querySelector(`[name=${n}]`).value.trim();
      topics[i] = {
        name: get("name"),
        ...(get("id") ? { id: get("id") } : {}),
        description: get("description"),
        examples: get("examples").split("\n").map((x) => x.trim()).filter(Boolean),
        ...(get("parent") ? { parent: get("parent") } : {}),
      };
    });
  };
  redraw();
  const status = h("div", { role: "status", "aria-live": "polite" });
  const form = h(
    "form",
    { class: "taxonomy-editor", "aria-label": t("topics.editing") },
    list,
    h(
      "div",
      { class: "row" },
      h("button", { type: "button", class: "secondary", on: { click: () => { sync(); topics.push({ name: "", examples: [] }); redraw(); list.lastElementChild.querySelector("input").focus(); } } }, t("topics.add")),
      h("button", { type: "submit", class: "primary" }, t("topics.save")),
      h("button", { type: "button", class: "ghost", on: { click: () => renderTaxonomy(box, null, latest) } }, t("cancel")),
    ),
    status,
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    sync();
    const out = { ...body, topics };
    try {
      const saved = await api("PUT", "/v1/taxonomy", { body: out });
      toast(saved.created ? t("topics.saved", { n: saved.version }) : t("topics.unchanged"));
      await loadFacets();
      renderTaxonomy(box, null, null);
    } catch (err) {
      status.replaceChildren(errorBox(err));
      if (err.details) status.append(h("ul", { class: "error" }, err.details.map((d) => h("li", null, `${(d.loc || []).join(".")}: ${d.message}`))));
    }
  });
  return form;
}

async function renderDiscovered(box, onPromoted) {
  const minSize = h("input", { type: "number", name: "min_size", min: 2, max: 10000, value: 5, inputmode: "numeric" });
  const run = h("button", { type: "submit", class: "secondary" }, t("topics.discover"));
  const status = h("p", { role: "status", "aria-live": "polite", class: "muted" });
  const list = h("div", { class: "cards" });
  const form = h("form", { class: "row", "aria-label": t("topics.discover") }, field(t("topics.minSize"), minSize), run);
  box.replaceChildren(h("h2", { id: "disc-title" }, t("topics.discovered")), h("p", { class: "muted" }, t("topics.discoveredIntro")), form, status, list);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    run.disabled = true;
    status.textContent = t("topics.discovering");
    try {
      const got = await api("POST", "/v1/topics/discover", { query: { min_size: minSize.value } });
      status.textContent = t("topics.runDone", { run: got.run, n: got.topics.length, considered: got.considered });
      await showClusters(list, got.topics, onPromoted);
    } catch (err) {
      status.replaceChildren(errorBox(err));
    } finally {
      run.disabled = false;
    }
  });
  try {
    const clusters = await api("GET", "/v1/topics/discovered");
    if (!clusters.length) status.textContent = t("topics.noClusters");
    else status.textContent = t("topics.fromRun", { run: clusters[0].run, n: clusters.length });
    await showClusters(list, clusters, onPromoted);
  } catch (err) {
    status.replaceChildren(errorBox(err));
  }
}

async function showClusters(list, clusters, onPromoted) {
  list.replaceChildren();
  const ids = [...new Set(clusters.flatMap((c) => c.quote_ids.slice(0, 3)))].slice(0, 100);
  let quotes = new Map();
  if (ids.length) {
    try {
      quotes = new Map((await api("GET", "/web/api/mentions", { query: { id: ids } })).map((m) => [m.id, m]));
    } catch {
      /* clusters still show their terms */
    }
  }
  for (const c of clusters) list.append(clusterCard(c, quotes, onPromoted));
}

function clusterCard(c, quotes, onPromoted) {
  const name = h("input", { type: "text", name: "name", value: c.label, maxlength: 128, required: true, dir: "auto" });
  const description = h("input", { type: "text", name: "description", maxlength: 1000, dir: "auto" });
  const status = h("p", { role: "status", "aria-live": "polite" });
  const promote = h(
    "form",
    { class: "promote", "aria-label": t("topics.promoteLabel", { label: c.label }) },
    field(t("topics.name"), name),
    field(t("topics.description"), description),
    h("button", { type: "submit", class: "primary" }, t("topics.promote")),
    status,
  );
  promote.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      const got = await api("POST", `/v1/topics/discovered/${encodeURIComponent(c.key)}/promote`, { body: { name: name.value.trim(), description: description.value.trim(), run: c.run } });
      status.textContent = t("topics.promoted", { name: got.name, n: got.taxonomy_version });
      promote.querySelector("button").disabled = true;
      await loadFacets();
      if (onPromoted) await onPromoted(); // the taxonomy above shows the new version
    } catch (err) {
      status.replaceChildren(errorBox(err));
    }
  });
  const qs = c.quote_ids.slice(0, 3).map((qid) => quotes.get(qid)).filter(Boolean);
  return h(
    "article",
    { class: "card cluster" },
    h("h3", { class: "card-title", dir: "auto" }, c.label, " ", h("span", { class: "badge" }, t(`topics.status.${c.status}`))),
    h("p", { class: "muted small" }, t("topics.size", { n: c.size }), ` · ${t("topics.cohesion", { v: c.cohesion.toFixed(2) })}`),
    h("ul", { class: "chips terms", "aria-label": t("topics.terms") }, c.terms.map((x) => h("li", { dir: "auto" }, x))),
    qs.length ? h("div", { class: "quotes" }, qs.map((m) => h("blockquote", { class: "quote", lang: m.language || null, dir: "auto" }, m.text, h("span", { class: "muted small" }, ` #${m.id}`)))) : null,
    c.status === "new" ? promote : c.promoted_as ? h("p", { class: "muted" }, t("topics.promotedAs", { id: c.promoted_as })) : null,
  );
}
