// Ask: a question box; the answer streams in over POST /v1/chat/completions (OpenAI's SSE
// format, read with fetch + ReadableStream), numbers highlighted, the plan shown in words,
// every citation a card. Follow-ups go in the same conversation. Without the streaming
// route the page uses /v1/conversations, and without that POST /v1/ask.

import { ApiError, api, failure, headers } from "../api.js";
import { errorBox, mentionCard, openMentionDialog, pageHeader } from "../components.js";
import { field, h } from "../dom.js";
import { renderAnswer } from "../format.js";
import { t } from "../i18n.js";
import { planWords } from "../plan.js";
import { readChat } from "../sse.js";
import { capabilities } from "../state.js";

// The conversation outlives a visit to another page.
const conversation = { turns: [], messages: [], id: null, mode: null };
let streamBroken = false;
let conversationsBroken = false;

function mode() {
  const caps = capabilities();
  if (caps.chat_stream && !streamBroken) return "stream";
  if (caps.conversations && !conversationsBroken) return "conversation";
  return "ask";
}

export async function render(main) {
  const thread = h("ol", { class: "thread", "aria-label": t("ask.thread") });
  const question = h("textarea", { name: "question", rows: 3, required: true, maxlength: 2000, dir: "auto", class: "wide" });
  const submit = h("button", { type: "submit", class: "primary" }, t("ask.submit"));
  const reset = h("button", { type: "button", class: "ghost" }, t("ask.new"));
  const modeNote = h("p", { class: "muted small", id: "ask-mode" });
  const form = h(
    "form",
    { class: "ask-form card", "aria-label": t("ask.formLabel") },
    field(t("ask.question"), question, t("ask.hint")),
    h("div", { class: "row" }, submit, reset),
    modeNote,
  );
  const examples = h(
    "div",
    { class: "examples" },
    h("h2", { class: "small-title" }, t("ask.examples")),
    h(
      "ul",
      { class: "chips clickable" },
      t("ask.exampleList")
        .split("|")
        .map((q) => h("li", null, h("button", { type: "button", class: "chip", on: { click: () => { question.value = q; form.requestSubmit(); } } }, q))),
    ),
  );
  main.append(...pageHeader("ask.title", "ask.intro"), thread, form, conversation.turns.length ? null : examples);

  const updateMode = () => {
    const m = mode();
    modeNote.textContent = t(`ask.mode.${m}`);
  };
  updateMode();
  for (const turn of conversation.turns) thread.append(turn.el);

  question.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) {
      ev.preventDefault();
      form.requestSubmit();
    }
  });
  reset.addEventListener("click", () => {
    conversation.turns = [];
    conversation.messages = [];
    conversation.id = null;
    thread.replaceChildren();
    question.focus();
  });
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const q = question.value.trim();
    if (!q) return;
    examples.remove();
    submit.disabled = true;
    try {
      await ask(q, thread);
      question.value = "";
    } finally {
      submit.disabled = false;
      updateMode();
      question.focus();
    }
  });
}

function newTurn(q) {
  const answer = h("div", { class: "answer", "aria-live": "polite", "aria-busy": "true", "aria-label": t("ask.answer") });
  answer.append(h("p", { class: "muted thinking" }, t("ask.thinking")));
  const el = h(
    "li",
    { class: "turn" },
    h("p", { class: "q" }, h("span", { class: "sr-only" }, t("ask.youAsked")), h("span", { dir: "auto" }, q)),
    h("div", { class: "card a" }, answer, h("div", { class: "after" })),
  );
  return { el, answer, after: el.querySelector(".after"), question: q };
}

async function ask(q, thread) {
  const turn = newTurn(q);
  conversation.turns.push(turn);
  thread.append(turn.el);
  turn.el.scrollIntoView({ block: "nearest" });
  for (const name of ["hark-ask-start", "hark-first-chunk", "hark-answer-done"]) performance.clearMarks(name);
  performance.mark("hark-ask-start");
  const messages = [...conversation.messages, { role: "user", content: q }];
  let result = null;
  try {
    for (;;) {
      const m = mode();
      try {
        if (m === "stream") result = await viaStream(messages, turn);
        else if (m === "conversation") result = await viaConversation(q);
        else result = await api("POST", "/v1/ask", { body: { question: q } });
        break;
      } catch (err) {
        // A route that is missing or refuses the request shape: fall back to the next one.
        const fallback = err instanceof ApiError && [404, 405, 422].includes(err.status);
        if (fallback && m === "stream") streamBroken = true;
        else if (fallback && m === "conversation") conversationsBroken = true;
        else throw err;
      }
    }
  } catch (err) {
    turn.answer.setAttribute("aria-busy", "false");
    turn.answer.replaceChildren(errorBox(err));
    conversation.turns.pop();
    return;
  }
  performance.mark("hark-answer-done");
  conversation.messages = [...messages, { role: "assistant", content: result.answer }];
  await finish(turn, result);
}

async function ensureConversation() {
  // Server-side history when the server keeps conversations; else the messages carry it.
  if (conversation.id || !capabilities().conversations || conversationsBroken) return conversation.id;
  try {
    const made = await api("POST", "/v1/conversations", { body: {} });
    conversation.id = made.id;
  } catch {
    conversationsBroken = true;
  }
  return conversation.id;
}

async function viaStream(messages, turn) {
  const id = await ensureConversation();
  const body = { model: "hark", stream: true, messages: id ? messages.slice(-1) : messages };
  if (id) body.conversation_id = id;
  const r = await fetch("/v1/chat/completions", {
    method: "POST",
    credentials: "same-origin",
    headers: headers("POST", { "Content-Type": "application/json", Accept: "text/event-stream" }),
    body: JSON.stringify(body),
  });
  if (!r.ok) throw await failure(r);
  let first = true;
  let pending = 0;
  let latest = "";
  const draw = () => {
    pending = 0;
    renderAnswer(turn.answer, latest, (cid) => focusCitation(turn, cid));
  };
  const { text, hark } = await readChat(r, (_piece, soFar) => {
    if (first) {
      performance.mark("hark-first-chunk");
      first = false;
    }
    latest = soFar;
    if (!pending) pending = requestAnimationFrame(draw);
  });
  // The finished answer is drawn by finish(); a frame still queued would draw over it.
  if (pending) cancelAnimationFrame(pending);
  const ext = hark || {};
  if (ext.conversation_id) conversation.id = ext.conversation_id;
  // The streamed text ends with a "Sources:" list for chat clients that show text only;
  // here the sources are cards, so the list is dropped once the cards are there.
  const shown = (ext.citations || []).length ? text.replace(SOURCES_LIST, "") : text;
  return { answer: shown, plan: ext.plan, facts: ext.facts || [], citations: ext.citations || [], warnings: ext.warnings || [], language: ext.language };
}

const SOURCES_LIST = /\n\n[^\n]*:\n(?:\[\d+\] #\d+[^\n]*(?:\n|$))+\s*$/u;

async function viaConversation(q) {
  const id = await ensureConversation();
  if (!id) throw new ApiError(404, "not_found", "no conversation");
  const got = await api("POST", `/v1/conversations/${encodeURIComponent(id)}/messages`, { body: { message: q } });
  if (got.conversation_id) conversation.id = got.conversation_id;
  return got;
}

function focusCitation(turn, cid) {
  const card = turn.el.querySelector(`[data-cite="${cid}"]`);
  if (card) {
    card.scrollIntoView({ block: "center", behavior: "smooth" });
    card.focus();
  }
}

async function finish(turn, result) {
  if (!performance.getEntriesByName("hark-first-chunk").length) performance.mark("hark-first-chunk");
  renderAnswer(turn.answer, result.answer || "", (cid) => focusCitation(turn, cid));
  turn.answer.setAttribute("lang", result.language || (result.plan && result.plan.language) || "");
  turn.answer.setAttribute("dir", "auto");
  const after = turn.after;
  after.replaceChildren();
  if (result.plan) {
    after.append(h("p", { class: "readas" }, planWords(result.plan)));
    if ((result.plan.unread || []).length) after.append(h("p", { class: "warn" }, t("ask.unread", { words: result.plan.unread.join(", ") })));
  }
  for (const w of result.warnings || []) after.append(h("p", { class: "warn" }, w));
  const facts = (result.facts || []).filter((f) => f.statement && !["window"].includes(f.kind));
  if (facts.length) {
    after.append(
      h(
        "details",
        { class: "facts" },
        h("summary", null, t("ask.facts", { n: facts.length })),
        h("ul", null, facts.map((f) => h("li", { dir: "auto" }, f.statement))),
      ),
    );
  }
  const citations = result.citations || [];
  // The answer is "busy" (screen readers wait) until its cards are there too.
  const done = () => turn.answer.setAttribute("aria-busy", "false");
  if (!citations.length) return done();
  const grid = h("div", { class: "cards" });
  const section = h("section", { class: "citations", "aria-label": t("ask.citations") }, h("h2", { class: "small-title" }, t("ask.citationsCount", { n: citations.length })), grid);
  after.append(section);
  let full = new Map();
  try {
    const ms = await api("GET", "/web/api/mentions", { query: { id: citations.map((c) => c.id) } });
    full = new Map(ms.map((m) => [m.id, m]));
  } catch {
    /* the citations alone still make cards */
  }
  for (const c of citations) {
    const m = full.get(c.id) || { id: c.id, text: c.text, source: c.source, created_at: c.created_at, url: c.url, language: null };
    const open = h("button", { type: "button", class: "secondary", on: { click: (ev) => openMentionDialog(c.id, ev.currentTarget) } }, t("ask.openCitation"));
    const card = mentionCard(m, { actions: [open], headingLevel: "h3", compact: true });
    // A streamed answer cites [1], [2] … (numbers), /v1/ask's cites mention ids.
    const ref = c.n ?? c.id;
    if (c.n !== undefined) card.querySelector(".card-title").prepend(h("span", { class: "ref-n" }, `[${c.n}]`));
    card.dataset.cite = String(ref);
    card.tabIndex = -1;
    grid.append(card);
  }
  done();
}

