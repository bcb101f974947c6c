"""Brand/competitor detection against hand labels, and matcher throughput.

    python -m evals.entities [--per-entity] [--errors N]

- SentiRuEval-2015 banks and telecom tweets: the per-organisation label columns say which
  brands a tweet is about (labels score the matcher, they are never its input). Micro
  precision/recall/F1 over the labelled organisations, with and without misspelling matching.
- US airline tweets: each is about one airline (the `airline` column); how often the matcher
  names it, and marks it `main`. The set's "Delta" rows are tweets to @JetBlue, scored as such.
- Throughput: every demo catalog plus the customer-support brands' handles (50+ entities) over
  10,000 tweets, cold (empty word cache) and warm.
"""

from __future__ import annotations

import argparse
import collections
import csv
import itertools
import time
from pathlib import Path

from enrichment.entities import Entity, EntityCatalog

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
CATALOGS = Path(__file__).resolve().parents[1] / "enrichment" / "catalogs"
BANKS = {
    "sberbank": "sberbank",
    "vtb": "vtb",
    "gazprom": "gazprombank",
    "alfabank": "alfa-bank",
    "bankmoskvy": "bank-of-moscow",
    "raiffeisen": "raiffeisen",
    "uralsib": "uralsib",
    "rshb": "rosselkhozbank",
}
TELECOM = {c: c for c in ("beeline", "mts", "megafon", "tele2", "rostelecom", "komstar", "skylink")}
AIRLINES = {
    "United": "united",
    "US Airways": "us-airways",
    "American": "american",
    "Southwest": "southwest",
    "Delta": "jetblue",  # see the module docstring
    "Virgin America": "virgin-america",
}


Surfaces = list[set[tuple[str, str]]]  # (entity, surface) per tweet


def catalog(name: str, *, fuzzy: bool = True) -> EntityCatalog:
    loaded = EntityCatalog.from_yaml((CATALOGS / f"{name}.entities.yaml").read_text("utf-8"))
    return EntityCatalog(loaded.entities, fuzzy=fuzzy)


def rows(rel: str) -> list[dict[str, str]]:
    with (DATA / rel).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def score_set(name: str, rel: str, columns: dict[str, str], args: argparse.Namespace) -> str:
    """Print precision/recall/F1 with and without misspellings; return the fuzzy line."""
    data = rows(rel)
    line = ""
    truth = [{columns[c] for c in columns if r[c] != "NULL"} for r in data]
    surfaces: dict[bool, Surfaces] = {}
    for fuzzy in (True, False):
        cat = catalog(name, fuzzy=fuzzy)
        t0 = time.perf_counter()
        found = [cat.match(r["text"]) for r in data]
        rate = len(data) / (time.perf_counter() - t0)
        surfaces[fuzzy] = [{(m.entity, m.surface) for m in ms} for ms in found]
        got = [{m.entity for m in ms} & set(columns.values()) for ms in found]
        counts: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
        for want, have in zip(truth, got, strict=True):
            for e in have | want:
                counts[e]["tp" if e in have and e in want else "fp" if e in have else "fn"] += 1
        total = sum(counts.values(), collections.Counter())
        label = f"{rel.split('/')[-1]} {'fuzzy' if fuzzy else 'exact'}"
        print(f"{label:24} {len(data):6} {_prf(total)} {rate:9.0f}")
        line = line or _prf(total)
        if fuzzy and args.per_entity:
            for e in columns.values():
                print(f"  {e:22} {sum(counts[e].values()):6} {_prf(counts[e])}")
        if fuzzy and args.errors:
            _show_errors(data, truth, got, args.errors)
    _fuzzy_only(surfaces[True], surfaces[False], truth)
    return line


def _fuzzy_only(fuzzy: Surfaces, exact: Surfaces, truth: list[set[str]]) -> None:
    """What misspelling matching adds, and how much of it the labels confirm."""
    added = [(e, s, e in t) for f, x, t in zip(fuzzy, exact, truth, strict=True) for e, s in f - x]
    confirmed = sum(ok for *_, ok in added)
    shown = collections.Counter(f"{s}->{e}{'' if ok else '(!)'}" for e, s, ok in added)
    print(
        f"  misspelling matches: {len(added)}, {confirmed} confirmed by the labels; "
        + ", ".join(f"{k} {v}" for k, v in shown.most_common(12))
    )


def _prf(c: collections.Counter[str]) -> str:
    p = c["tp"] / max(1, c["tp"] + c["fp"])
    r = c["tp"] / max(1, c["tp"] + c["fn"])
    f = 2 * p * r / max(1e-9, p + r)
    return f"{p:6.3f} {r:6.3f} {f:6.3f} {c['fp']:5} {c['fn']:5}"


def _show_errors(
    data: list[dict[str, str]], truth: list[set[str]], got: list[set[str]], n: int
) -> None:
    wrong = [(r, w, g) for r, w, g in zip(data, truth, got, strict=True) if w != g]
    for r, w, g in wrong[:n]:
        print(f"    missed {sorted(w - g)} extra {sorted(g - w)}: {r['text'][:110]!r}")


def airlines() -> None:
    """Nearly every tweet addresses its airline first, so `main` is also scored on the tweets
    that name several airlines, where passing mentions must not win."""
    cat = catalog("airline")
    data = rows("twitter-us-airline-sentiment/tweets.csv")
    named = main = mains = several = several_main = several_mains = 0
    for r in data:
        want = AIRLINES[r["airline"]]
        found = cat.match(r["text"])
        hit = any(m.entity == want and m.main for m in found)
        named += any(m.entity == want for m in found)
        main += hit
        mains += sum(m.main for m in found)
        if len(found) > 1:
            several += 1
            several_main += hit
            several_mains += sum(m.main for m in found)
    n, k = len(data), max(1, several)
    print(
        f"airline tweets {n}: labelled airline named {named / n:.3f}, main {main / n:.3f}, "
        f"mains per tweet {mains / n:.2f}; naming several ({several}): labelled airline main "
        f"{several_main / k:.3f}, mains per tweet {several_mains / k:.2f}"
    )


def throughput() -> None:
    entities = [e for name in ("airline", "ru-banks", "ru-telecom") for e in catalog(name).entities]
    support = rows("twitter-customer-support/tweets.csv")
    for handle in sorted({r["author_id"] for r in support if r["inbound"] == "False"}):
        candidate = Entity(handle.lower().replace("_", "-"), handle, "competitor", (f"@{handle}",))
        try:  # skip handles the demo catalogs already hold (@AmericanAir, @Delta, ...)
            EntityCatalog([*entities, candidate])
        except ValueError:
            continue
        entities.append(candidate)
    sets = [
        rows("twitter-us-airline-sentiment/tweets.csv"),
        rows("sentirueval-ru-brand-tweets/banks.csv"),
        rows("sentirueval-ru-brand-tweets/telecom.csv"),
        support,
    ]
    mixed = itertools.chain.from_iterable(itertools.zip_longest(*sets))
    texts = [r["text"] for r in mixed if r is not None][:10_000]
    cat = EntityCatalog(entities)
    for run in ("cold", "warm"):
        t0 = time.perf_counter()
        hits = sum(bool(cat.match(t)) for t in texts)
        s = time.perf_counter() - t0
        print(
            f"throughput {run}: {len(entities)} entities, {len(texts)} texts in {s:.2f} s "
            f"({len(texts) / s:.0f} texts/s), {hits} with a match"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--per-entity", action="store_true")
    parser.add_argument("--errors", type=int, default=0, help="print this many misses per set")
    run(parser.parse_args())


def run(args: argparse.Namespace | None = None) -> dict[str, str]:
    """Print the tables (the one-command enrichment eval calls this with defaults)."""
    args = args or argparse.Namespace(per_entity=False, errors=0)
    head = ("set", "tweets", "P", "R", "F1", "FP", "FN", "texts/s")
    print("{:24} {:>6} {:>6} {:>6} {:>6} {:>5} {:>5} {:>9}".format(*head))
    banks = score_set("ru-banks", "sentirueval-ru-brand-tweets/banks.csv", BANKS, args)
    telecom = score_set("ru-telecom", "sentirueval-ru-brand-tweets/telecom.csv", TELECOM, args)
    airlines()
    throughput()
    return {"banks P R F1 FP FN": banks, "telecom P R F1 FP FN": telecom}


if __name__ == "__main__":
    main()
