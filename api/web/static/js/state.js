// What the pages share: the session (workspace, never the key), the server's capabilities
// and the workspace's facets (brands, sources, topics...), loaded once per sign-in.

import { api } from "./api.js";

const state = {
  session: null,
  capabilities: { chat_stream: false, conversations: false, schedules: false, deliveries: false },
  facets: { brands: [], sources: [], locations: [], topics: [], entities: [], earliest: null, latest: null },
};

export function session() {
  return state.session;
}

export function setSession(value) {
  state.session = value;
}

export function capabilities() {
  return state.capabilities;
}

export function facets() {
  return state.facets;
}

export async function loadCapabilities() {
  try {
    state.capabilities = await api("GET", "/web/capabilities");
  } catch {
    /* keep the defaults: every newer route treated as absent */
  }
  return state.capabilities;
}

export async function loadFacets() {
  try {
    state.facets = await api("GET", "/web/api/facets");
  } catch {
    /* pages still work with free-text filters */
  }
  return state.facets;
}

export const SENTIMENTS = ["negative", "neutral", "positive"];
export const SOURCE_TYPES = ["review", "social", "survey", "support", "news", "forum", "other"];
