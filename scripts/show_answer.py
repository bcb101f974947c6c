"""Print a /v1/ask response (read from stdin): the answer, how the question was read, and
what it rests on, for the demo."""

import json
import sys

result = json.load(sys.stdin)
print(result["answer"])
plan = result["plan"]
read = [f"intent={plan['intent']}"]
read += [f"{k}={plan[k]['label']}" for k in ("window", "baseline") if plan.get(k)]
read += [f"{k}={plan[k]}" for k in ("sentiment", "brands", "entities", "topics") if plan.get(k)]
print(
    f"  (read as {' '.join(read)}; {len(result['facts'])} facts, "
    f"{len(result['citations'])} citations, composer={result['composer']})"
)
for warning in result["warnings"]:
    print(f"  warning: {warning}")
