"""Write the demo's slice of the airline tweets: two days (Feb 21-22, 2015), one tweet in
three by id, about 1,500 tweets, so a first demo embeds in a couple of minutes on 2 cores.

    python scripts/demo_slice.py SOURCE.csv OUT.csv
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

DAYS = ("2/21/2015", "2/22/2015")
EVERY = 3


def main(source: Path, out: Path) -> int:
    out.parent.mkdir(parents=True, exist_ok=True)
    kept = 0
    with (
        source.open(encoding="utf-8", newline="") as src,
        out.open("w", encoding="utf-8", newline="") as dst,
    ):
        reader = csv.DictReader(src)
        writer = csv.DictWriter(dst, fieldnames=reader.fieldnames or [])
        writer.writeheader()
        for row in reader:
            if row["tweet_created"].split()[0] in DAYS and int(row["tweet_id"]) % EVERY == 0:
                writer.writerow(row)
                kept += 1
    print(f"slice: {kept} tweets of {', '.join(DAYS)} (one in {EVERY}) -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
