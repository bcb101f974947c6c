#!/usr/bin/env bash
# The main job on the embedded default: ingest the airline tweets into SQLite + Chroma,
# start the API, and ask it a question. Re-running is cheap: ingestion is idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
DATA=${DEMO_FILE:-../shared/data/twitter-us-airline-sentiment/tweets.csv}
PORT=${DEMO_PORT:-8765}
export HARK_HOME=${HARK_HOME:-.hark}

echo "== ingest $DATA (first run embeds ~14.5k tweets: several minutes on 2 cores)"
"$BIN/hark" ingest "$DATA" --mapping twitter-us-airline-sentiment
"$BIN/hark" check

KEY=$("$BIN/hark" keys create demo)
"$BIN/hark" serve --port "$PORT" >"$HARK_HOME/demo-server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
  curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break
  sleep 0.5
done

ask() {
  echo
  echo "== GET /v1/mentions/search $1"
  curl -fsS -G "http://127.0.0.1:$PORT/v1/mentions/search" -H "Authorization: Bearer $KEY" \
    "${@:2}" | "$BIN/python" scripts/show_hits.py
}
ask "what do United passengers say about lost luggage since Feb 22?" \
  --data-urlencode "q=lost luggage, bag never arrived" --data-urlencode "brand=United" \
  --data-urlencode "since=2015-02-22" --data-urlencode "k=5"
ask "(asked in Russian) грубый персонал на стойке регистрации" \
  --data-urlencode "q=грубый персонал на стойке регистрации" --data-urlencode "k=5"

echo
echo "API docs: run 'make serve' and open http://127.0.0.1:8000/docs (key: $KEY)"
