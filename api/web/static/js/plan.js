// The plan of an answer in words: "read as: negative mentions of United, 22 Feb against 21 Feb".

import { formatWindow } from "./format.js";
import { t } from "./i18n.js";
import { facets } from "./state.js";

function names(ids, table) {
  return ids.map((x) => (table.get(x) || x));
}

function joinList(items) {
  try {
    return new Intl.ListFormat(document.documentElement.lang || "en", { type: "conjunction" }).format(items);
  } catch {
    return items.join(", ");
  }
}

export function planWords(plan) {
  if (!plan) return "";
  const f = facets();
  const topicNames = new Map((f.topics || []).map((x) => [x.id, x.name]));
  const entityNames = new Map((f.entities || []).map((x) => [x.id, x.name]));
  const tz = plan.timezone || "UTC";
  const refYear = plan.reference ? new Date(plan.reference).getUTCFullYear() : undefined;
  const win = (w) => formatWindow(w, { timeZone: tz, referenceYear: refYear });

  let subject = plan.sentiment ? t(`plan.subject.${plan.sentiment}`) : t("plan.subject.all");
  if (plan.measure === "rating") subject = t("plan.measure.rating", { subject });
  else if (plan.measure === "nps") subject = t("plan.measure.nps", { subject });
  else if (plan.measure === "share" || plan.intent === "share") subject = t("plan.measure.share", { subject });

  const scope = [];
  const who = [...names(plan.entities || [], entityNames), ...(plan.brands || [])];
  if (who.length) scope.push(t("plan.of", { list: joinList(who) }));
  if ((plan.names || []).length) scope.push(t("plan.naming", { list: joinList(plan.names.map((n) => n.name ?? n.text ?? String(n))) }));
  if ((plan.topics || []).length) scope.push(t("plan.about", { list: joinList(names(plan.topics, topicNames)) }));
  if ((plan.sources || []).length) scope.push(t("plan.from", { list: joinList(plan.sources) }));
  if ((plan.locations || []).length) scope.push(t("plan.in", { list: joinList(plan.locations) }));
  if ((plan.languages || []).length) scope.push(t("plan.inLanguages", { list: joinList(plan.languages) }));
  if (plan.rating_min !== null && plan.rating_min !== undefined) scope.push(t("plan.ratingMin", { n: plan.rating_min }));
  if (plan.rating_max !== null && plan.rating_max !== undefined) scope.push(t("plan.ratingMax", { n: plan.rating_max }));

  const parts = [[subject, ...scope].join(" ")];
  if ((plan.periods || []).length > 1) {
    parts.push(plan.periods.map(win).join(t("plan.versus")));
  } else if (plan.window) {
    parts.push(plan.baseline ? t("plan.against", { a: win(plan.window), b: win(plan.baseline) }) : win(plan.window));
  }
  if (plan.granularity) parts.push(t(`plan.by.${plan.granularity}`));
  if (plan.group_by) {
    const top = plan.top_n ? t("plan.top", { n: plan.top_n }) : "";
    parts.push(`${t(`plan.rankBy.${plan.group_by}`)}${top}`);
  }
  const intent = t(`plan.intent.${plan.intent}`);
  return t("plan.readAs", { text: parts.join(", "), intent });
}
