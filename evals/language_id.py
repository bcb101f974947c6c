"""Language identification accuracy on the shared datasets whose language is known per set
(the dataset's documented language is the truth; no per-row labels exist).

    python -m evals.language_id [--rows 1000]

KazSAnDRA is Kazakh mixed with Russian, so its row shows the share detected as kk and as ru
rather than an accuracy.
"""

from __future__ import annotations

import argparse
import collections
import csv
import itertools
import time
from pathlib import Path

from enrichment.language import LanguageDetector
from hark.settings import Settings

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
SETS = [  # (name, file, text column, expected language)
    ("twitter-us-airline-sentiment", "twitter-us-airline-sentiment/tweets.csv", "text", "en"),
    ("twitter-customer-support", "twitter-customer-support/tweets.csv", "text", "en"),
    ("sentirueval banks", "sentirueval-ru-brand-tweets/banks.csv", "text", "ru"),
    ("sentirueval restaurants", "sentirueval-ru-restaurant-aspects/reviews.csv", "text", "ru"),
    ("banki.ru", "banki-ru-domrf-reviews/reviews.csv", "Review Text", "ru"),
    ("elsahar restaurants", "elsahar-ar-restaurant-reviews/reviews.csv", "text", "ar"),
    ("semeval hotels", "semeval16-ar-hotel-aspects/sentences.csv", "text", "ar"),
    ("digikala", "digikala-fa-phone-reviews/reviews.csv", "comment_text", "fa"),
    ("kazsandra", "kazsandra-kk-reviews/reviews.csv", "text", "kk"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1000)
    args = parser.parse_args()
    detector = LanguageDetector(Settings(_env_file=None).languages)  # type: ignore[call-arg]
    print(f"{'dataset':32} {'rows':>5} {'expected':>8} {'accuracy':>8} {'none':>5}  top others")
    for name, rel, column, want in SETS:
        path = DATA / rel
        if not path.exists():
            print(f"{name:32} missing")
            continue
        with path.open(encoding="utf-8", newline="") as fh:
            texts = [row[column] for row in itertools.islice(csv.DictReader(fh), args.rows)]
        t0 = time.perf_counter()
        got = detector.detect_many(texts)
        ms = (time.perf_counter() - t0) / len(texts) * 1000
        counts = collections.Counter(got)
        others = ", ".join(f"{k}:{v}" for k, v in counts.most_common(4) if k != want)
        print(
            f"{name:32} {len(texts):5} {want:>8} {counts[want] / len(texts):8.3f} "
            f"{counts[None]:5}  {others}  ({ms:.2f} ms/text)"
        )


if __name__ == "__main__":
    main()
