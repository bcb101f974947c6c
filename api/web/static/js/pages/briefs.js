// Briefs: the workspace's briefs (GET /v1/briefs), make one now (POST /v1/briefs), open one
// as its own HTML page in a sandboxed frame (no scripts, its own CSP) or as data; schedules
// and the delivery log when the server has those routes.

import { api } from "../api.js";
import { errorBox, pageHeader, select, toast } from "../components.js";
import { field, h } from "../dom.js";
import { formatDate, renderAnswer } from "../format.js";
import { LANGUAGES, current, t } from "../i18n.js";
import { capabilities, facets } from "../state.js";

const BRIEF_LANGUAGES = ["en", "ru", "kk", "be", "uk", "ar", "fa", "ka"];

export async function render(main, params, { go }) {
  const viewer = h("section", { class: "card viewer", "aria-labelledby": "brief-title", hidden: true });
  const list = h("section", { class: "card", "aria-labelledby": "list-title" });
  const make = makeForm(go);
  main.append(...pageHeader("briefs.title", "briefs.intro"), make, viewer, list);
  const caps = capabilities();
  const extra = [];
  if (caps.schedules) extra.push(schedules());
  if (caps.deliveries) extra.push(deliveries());
  if (!caps.schedules && !caps.deliveries) extra.push(h("p", { class: "muted card" }, t("briefs.noSchedules")));
  main.append(...extra);
  await renderList(list, go);
  if (params.get("id")) await openBrief(viewer, Number(params.get("id")), params.get("view") || "page");
}

function makeForm(go) {
  const period = h("input", { type: "text", name: "period", maxlength: 32, placeholder: "2015-02-16..2015-02-22", autocomplete: "off" });
  const language = select(BRIEF_LANGUAGES.map((x) => [x, new Intl.DisplayNames([current()], { type: "language" }).of(x) || x]), { value: LANGUAGES.includes(current()) ? current() : "en", any: null, name: "language" });
  const brand = select(facets().brands, { name: "brand", any: t("briefs.allBrands") });
  const status = h("div", { role: "status", "aria-live": "polite" });
  const submit = h("button", { type: "submit", class: "primary" }, t("briefs.make"));
  const form = h(
    "form",
    { class: "card", "aria-labelledby": "make-title" },
    h("h2", { id: "make-title" }, t("briefs.makeTitle")),
    h("div", { class: "grid" }, field(t("briefs.period"), period, t("briefs.periodHint")), field(t("briefs.language"), language), field(t("briefs.brand"), brand)),
    h("div", { class: "row" }, submit),
    status,
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    submit.disabled = true;
    status.textContent = t("briefs.making");
    const body = { language: language.value };
    if (period.value.trim()) body.period = period.value.trim();
    if (brand.value) body.filters = { brand: brand.value, brands: [brand.value] };
    try {
      const brief = await api("POST", "/v1/briefs", { body });
      status.textContent = "";
      toast(t("briefs.made"));
      go("briefs", { id: brief.id });
    } catch (err) {
      status.replaceChildren(errorBox(err));
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

async function renderList(box, go) {
  box.replaceChildren(h("h2", { id: "list-title" }, t("briefs.list")), h("p", { class: "muted" }, t("loading")));
  try {
    const briefs = await api("GET", "/v1/briefs", { query: { limit: 50 } });
    box.lastChild.remove();
    if (!briefs.length) {
      box.append(h("p", null, t("briefs.none")));
      return;
    }
    box.append(
      h(
        "ul",
        { class: "brief-list" },
        briefs.map((b) =>
          h(
            "li",
            null,
            h("a", { href: `#briefs?id=${b.id}`, class: "brief-link", dir: "auto" }, b.headline),
            h("span", { class: "muted small" }, ` ${formatDate(b.period_start)} – ${formatDate(new Date(Date.parse(b.period_end) - 1000))} · ${b.language} · #${b.id}`),
          ),
        ),
      ),
    );
  } catch (err) {
    box.replaceChildren(h("h2", { id: "list-title" }, t("briefs.list")), errorBox(err));
  }
}

async function openBrief(viewer, briefId, view) {
  viewer.hidden = false;
  const title = h("h2", { id: "brief-title", tabindex: "-1" }, t("briefs.brief", { id: briefId }));
  const tabs = h(
    "div",
    { class: "row", role: "group", "aria-label": t("briefs.view") },
    ["page", "data"].map((v) =>
      h("a", { href: `#briefs?id=${briefId}&view=${v}`, class: `button ${v === view ? "primary" : "secondary"}`, "aria-current": v === view ? "true" : null }, t(`briefs.view_${v}`)),
    ),
    h("a", { href: `/v1/briefs/${briefId}?format=markdown`, class: "button ghost", download: `brief-${briefId}.md` }, t("briefs.markdown")),
  );
  const body = h("div", { class: "brief-body" });
  viewer.replaceChildren(title, tabs, body);
  if (view === "page") {
    // The brief's own HTML, under its own no-fetch CSP, in a frame that may run nothing.
    body.append(h("iframe", { src: `/v1/briefs/${briefId}?format=html`, sandbox: "", title: t("briefs.frameTitle", { id: briefId }), class: "brief-frame", referrerpolicy: "no-referrer" }));
  } else {
    try {
      body.append(...briefData(await api("GET", `/v1/briefs/${briefId}`)));
    } catch (err) {
      body.append(errorBox(err));
    }
  }
  title.focus();
}

function briefData(b) {
  const out = [h("h3", { dir: "auto", lang: b.language }, b.headline)];
  if (b.summary) out.push(h("p", { dir: "auto", lang: b.language }, b.summary));
  out.push(h("p", { class: "muted small" }, `${b.period.label} · ${t("briefs.against")} ${b.previous.label}`));
  if (b.kpis.length) out.push(h("ul", { class: "kpis" }, b.kpis.map((k) => h("li", { dir: "auto" }, k.statement))));
  for (const s of b.sections) {
    const text = h("div", { dir: "auto", lang: b.language });
    renderAnswer(text, s.text.replace(/\*\*/g, ""));
    out.push(h("section", { class: "brief-section" }, h("h4", null, s.title), text));
  }
  if (b.actions.length) out.push(h("h4", null, t("briefs.actions")), h("ul", null, b.actions.map((a) => h("li", { dir: "auto" }, a.text))));
  for (const w of b.warnings || []) out.push(h("p", { class: "warn" }, w));
  return out;
}

function schedules() {
  const box = h("section", { class: "card", "aria-labelledby": "sched-title" }, h("h2", { id: "sched-title" }, t("briefs.schedules")));
  const list = h("div");
  const name = h("input", { type: "text", name: "name", required: true, maxlength: 128 });
  const cron = h("input", { type: "text", name: "cron", required: true, value: "0 9 * * MON", maxlength: 128, autocomplete: "off" });
  const period = select([["week", t("briefs.pWeek")], ["day", t("briefs.pDay")], ["28d", t("briefs.p28")]], { any: null, name: "period" });
  const language = select(BRIEF_LANGUAGES, { any: null, value: "en", name: "language" });
  const email = h("input", { type: "email", name: "email", autocomplete: "off" });
  const status = h("div", { role: "status", "aria-live": "polite" });
  const form = h(
    "form",
    { "aria-label": t("briefs.newSchedule") },
    h("div", { class: "grid" }, field(t("briefs.sName"), name), field(t("briefs.cron"), cron, t("briefs.cronHint")), field(t("briefs.sPeriod"), period), field(t("briefs.language"), language), field(t("briefs.email"), email, t("briefs.emailHint"))),
    h("div", { class: "row" }, h("button", { type: "submit", class: "primary" }, t("briefs.addSchedule"))),
    status,
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const body = { name: name.value.trim(), cron: cron.value.trim(), period: period.value, language: language.value };
    if (email.value.trim()) body.recipients = [{ channel: "email", target: email.value.trim() }];
    try {
      await api("POST", "/v1/brief-schedules", { body });
      toast(t("briefs.scheduleAdded"));
      form.reset();
      load();
    } catch (err) {
      status.replaceChildren(errorBox(err));
      if (err.details) status.append(h("ul", { class: "error" }, err.details.map((d) => h("li", null, `${(d.loc || []).join(".")}: ${d.message}`))));
    }
  });
  async function load() {
    list.replaceChildren(h("p", { class: "muted" }, t("loading")));
    try {
      const rows = await api("GET", "/v1/brief-schedules");
      list.replaceChildren(
        rows.length
          ? h(
              "div",
              { class: "table-wrap", tabindex: "0", role: "region", "aria-label": t("briefs.schedules") },
              h(
                "table",
                { class: "data" },
                h("thead", null, h("tr", null, [t("briefs.sName"), t("briefs.cron"), t("briefs.next"), t("briefs.last"), ""].map((x) => h("th", { scope: "col" }, x)))),
                h(
                  "tbody",
                  null,
                  rows.map((s) =>
                    h(
                      "tr",
                      null,
                      h("th", { scope: "row", dir: "auto" }, s.name, s.enabled ? null : h("span", { class: "badge" }, t("briefs.paused"))),
                      h("td", null, h("code", null, s.cron), ` (${s.timezone})`),
                      h("td", null, s.next_run ? formatDate(s.next_run, { time: true }) : "—"),
                      h("td", null, s.last_brief_id ? h("a", { href: `#briefs?id=${s.last_brief_id}` }, `#${s.last_brief_id}`) : "—", s.last_error ? h("span", { class: "warn small" }, ` ${s.last_error}`) : null),
                      h(
                        "td",
                        { class: "actions" },
                        h("button", { type: "button", class: "link", on: { click: () => act("POST", `/v1/brief-schedules/${s.id}/run`, t("briefs.ran")) } }, t("briefs.runNow")),
                        " ",
                        h("button", { type: "button", class: "link", on: { click: () => act("PATCH", `/v1/brief-schedules/${s.id}`, t("briefs.updated"), { enabled: !s.enabled }) } }, s.enabled ? t("briefs.pause") : t("briefs.resume")),
                        " ",
                        h("button", { type: "button", class: "link danger", "aria-label": t("briefs.deleteNamed", { name: s.name }), on: { click: () => act("DELETE", `/v1/brief-schedules/${s.id}`, t("briefs.deleted")) } }, t("briefs.delete")),
                      ),
                    ),
                  ),
                ),
              ),
            )
          : h("p", null, t("briefs.noneScheduled")),
      );
    } catch (err) {
      list.replaceChildren(errorBox(err));
    }
  }
  async function act(method, path, done, body) {
    try {
      await api(method, path, { body });
      toast(done);
      load();
    } catch (err) {
      status.replaceChildren(errorBox(err));
    }
  }
  box.append(list, h("h3", null, t("briefs.newSchedule")), form);
  load();
  return box;
}

function deliveries() {
  const box = h("section", { class: "card", "aria-labelledby": "deliv-title" }, h("h2", { id: "deliv-title" }, t("briefs.deliveries")));
  const body = h("div", null, h("p", { class: "muted" }, t("loading")));
  box.append(body);
  api("GET", "/v1/briefs/deliveries", { query: { limit: 50 } })
    .then((rows) => {
      body.replaceChildren(
        rows.length
          ? h(
              "div",
              { class: "table-wrap", tabindex: "0", role: "region", "aria-label": t("briefs.deliveries") },
              h(
                "table",
                { class: "data" },
                h("thead", null, h("tr", null, [t("briefs.dBrief"), t("briefs.dChannel"), t("briefs.dStatus"), t("briefs.dAttempts"), t("briefs.dWhen")].map((x) => h("th", { scope: "col" }, x)))),
                h(
                  "tbody",
                  null,
                  rows.map((d) =>
                    h(
                      "tr",
                      null,
                      h("td", null, h("a", { href: `#briefs?id=${d.brief_id}` }, `#${d.brief_id}`)),
                      h("td", null, `${d.channel}: `, h("span", { dir: "ltr" }, d.target)),
                      h("td", null, h("span", { class: `badge d-${d.status}` }, t(`briefs.status_${d.status}`)), d.last_error ? h("div", { class: "warn small" }, d.last_error) : null),
                      h("td", null, String(d.attempts)),
                      h("td", null, formatDate(d.sent_at || d.updated_at, { time: true })),
                    ),
                  ),
                ),
              ),
            )
          : h("p", null, t("briefs.noDeliveries")),
      );
    })
    .catch((err) => body.replaceChildren(errorBox(err)));
  return box;
}
