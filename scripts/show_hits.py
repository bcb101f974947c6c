"""Print a /v1/mentions/search response (read from stdin) as a short list, for the demo."""

import json
import sys

result = json.load(sys.stdin)
print(f"method={result['method']} candidates={result['candidates']}")
for hit in result["hits"]:
    m = hit["mention"]
    when = (m["created_at"] or "")[:16]
    print(
        f"{hit['score']:.3f} #{m['id']} {when} {m['brand']} [{m['language']}, "
        f"{m['sentiment']}]: {m['text'][:100]}"
    )
