"""Topic discovery: groups of similar mentions that no taxonomy topic covers yet.

Pure functions over ids, vectors, texts and languages; storage and HTTP live elsewhere.

How, and why:
1. A tweet's @handle pulls its vector more than its complaint does (the clearest clusters of
   airline tweets are the six airlines), so each handle's mean offset is taken out first.
2. e5 vectors crowd into a narrow cone (airline tweets: mean cosine 0.93 to their centre), so
   raw cosines say little. Centre, keep the top principal components (≤50) and scale each by
   variance^-1/4, half way to whitening (full whitening lifts noise directions as high as topic
   ones; none leaves a few directions dominant), then normalise.
3. KMeans for ~8 values of k from 2 to `max_topics`, each on a fixed sample of ≤3000 rows,
   keeping the k with the best cosine silhouette, then refined on every row: 20k mentions in
   about 3 s on one core.
4. KMeans puts every row somewhere. A row joins its topic only when near its centre and clearly
   nearer than to the runner-up; a cluster far less cohesive than the median one is a
   catch-all and joins nothing. Thresholds are ratios to the median cluster's cohesion, so they
   mean the same however many components were kept.
5. Topics below `min_size`, or whose terms name fewer than two words, are dropped.
Everything runs in id order with a fixed seed: the same mentions give the same topics and keys
whatever order they come in.
"""

from __future__ import annotations

import hashlib
import warnings
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.cluster import KMeans
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import normalized_mutual_info_score, silhouette_score
from threadpoolctl import threadpool_limits

from enrichment.cluster_terms import document_frequencies, label, rank_terms, terms
from hark.text import HANDLE_NAME

# At most this many principal components, and no more than one per ROWS_PER_COMPONENT texts:
# the small components of a small sample are noise, which whitening would amplify.
DIMENSIONS = 50
ROWS_PER_COMPONENT = 10
WHITENING = 0.5  # scale component i by variance^-WHITENING/2: halfway to fully whitened
SAMPLE = 3000  # texts k is chosen on; the final fit uses every text
# Thresholds as shares of the median cluster's cohesion (mean cosine of its texts to its
# centre): cosines in this space shrink as components are added, ratios stay put.
MIN_COHESION = 0.8  # a cluster below this is a catch-all, not a topic
MIN_SIMILARITY = 0.6  # a member's cosine to its own centre
MIN_MARGIN = 0.12  # ...and by how much it beats the runner-up centre
QUOTES = 5
# Two quotes are near-copies from this cosine, or this Jaccard overlap of their terms.
NEAR_COPY = 0.8
TERMS = 8
MIN_WORDS = 2  # in its terms, else it is no topic to name


@dataclass(frozen=True)
class DiscoveredTopic:
    key: str
    """Stable id: a hash of the sorted member ids, so a rerun on the same data gives it again."""
    size: int
    terms: list[str]
    """Up to 8 distinctive unigrams and bigrams, in the members' own languages, best first."""
    label: str
    """A short name from the top terms: "lost luggage / baggage / claim"."""
    quote_ids: list[int]
    """Up to 5 members near the centre, no two of them near-copies."""
    member_ids: list[int]
    centroid: np.ndarray
    """Unit-normalised mean of the members' input vectors (comparable with query vectors)."""
    cohesion: float
    """Mean cosine of the members' input vectors to `centroid`."""


def discover_topics(
    ids: Sequence[int],
    vectors: np.ndarray,
    texts: Sequence[str],
    languages: Sequence[str | None],
    *,
    min_size: int = 10,
    max_topics: int = 20,
    seed: int = 0,
) -> list[DiscoveredTopic]:
    """Topics among the mentions, largest first; a mention in no clear, cohesive group is in
    none. Same mentions and seed, same topics, whatever order the mentions come in."""
    n = len(ids)
    if not n == len(vectors) == len(texts) == len(languages):
        raise ValueError("ids, vectors, texts and languages must have the same length")
    if n < 2 * min_size:
        return []
    order = np.argsort(np.asarray(ids), kind="stable")
    ids_ = [int(ids[i]) for i in order]
    x = np.asarray(vectors, dtype=np.float64)[order]
    texts_ = [texts[i] for i in order]
    langs = [languages[i] for i in order]

    found = cluster_rows(x, texts_, min_size=min_size, max_topics=max_topics, seed=seed)
    if found is None:
        return []
    z, centres, assigned = found

    term_sets = [terms(t, lang) for t, lang in zip(texts_, langs, strict=True)]
    everywhere = document_frequencies(term_sets)
    topics = []
    for c in range(len(centres)):
        members = np.flatnonzero(assigned == c)
        if len(members) < min_size:
            continue
        group = document_frequencies(term_sets[i] for i in members)
        rest = Counter({term: everywhere[term] - df for term, df in group.items()})
        top = rank_terms(group, len(members), rest, n - len(members), TERMS)
        if len({word for term in top for word in term.split(" ")}) < MIN_WORDS:
            continue  # a group no words set apart (short "nooope"s) is no topic to name
        mean = x[members].mean(axis=0)
        centroid = (mean / max(float(np.linalg.norm(mean)), 1e-12)).astype(np.float32)
        member_ids = [ids_[i] for i in members]
        topics.append(
            DiscoveredTopic(
                key=topic_key(member_ids),
                size=len(members),
                terms=top,
                label=label(top),
                quote_ids=[ids_[i] for i in pick_quotes(members, z, centres[c], term_sets)],
                member_ids=member_ids,
                centroid=centroid,
                cohesion=float(np.mean(x[members] @ centroid)),
            )
        )
    topics.sort(key=lambda t: (-t.size, t.key))
    return topics[:max_topics]


def cluster_rows(
    x: np.ndarray,
    texts: Sequence[str],
    *,
    min_size: int,
    max_topics: int,
    seed: int,
    sample: int = SAMPLE,
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Steps 1-4 over rows already in id order: (whitened rows, unit centres, each row's
    cluster or -1), or None when nothing can be told apart. Public so that other groupings
    (ask/themes.py: themes of a question's scope) cluster exactly as discovery does; a
    smaller ``sample`` (rows k is chosen on) trades a little choice for speed."""
    # One thread: on a shared 2-core machine KMeans' OpenMP workers wait on each other's
    # barriers (20k texts: 3-4 s on one thread, 4-16 s on two while other work runs).
    with threadpool_limits(1):
        z = whiten(_without_addressee(x, texts, min_size))
        if z.shape[1] == 0:
            return None  # every vector the same: nothing to tell apart
        centres = choose_clusters(z, _candidate_ks(len(x), min_size, max_topics), seed, sample)
        if not len(centres):
            return None
        return z, centres, assign(z, centres)


def whiten(vectors: np.ndarray, dimensions: int | None = None) -> np.ndarray:
    """Centre, project on the top principal components, even out their variances, normalise.

    Through the covariance's eigenvectors (d×d, exact, no randomness), not a randomised SVD:
    fast for any n and the same on every run."""
    x = vectors.astype(np.float64) - vectors.mean(axis=0)
    values, vecs = np.linalg.eigh(x.T @ x / max(len(x) - 1, 1))
    limit = dimensions or min(DIMENSIONS, max(2, len(x) // ROWS_PER_COMPONENT))
    # Only directions that carry variance: none at all when every vector is the same.
    keep = min(limit, int((values > max(values.max() * 1e-9, 1e-12)).sum()))
    top = np.argsort(values)[::-1][:keep]
    z = x @ (vecs[:, top] / values[top] ** (WHITENING / 2))
    return z / np.maximum(np.linalg.norm(z, axis=1, keepdims=True), 1e-12)


def _without_addressee(x: np.ndarray, texts: Sequence[str], min_size: int) -> np.ndarray:
    """Vectors with the pull of the addressed account taken out.

    A tweet's @handle moves its e5 vector more than what it says: on airline tweets the
    best-separated clusters are the six airlines, whatever the complaint. Shifting each handle's
    tweets by their mean's offset from the overall mean leaves what differs within them."""
    first = [m.group(1).casefold() if (m := HANDLE_NAME.search(t)) else "" for t in texts]
    handles, group, counts = np.unique(first, return_inverse=True, return_counts=True)
    sums = np.zeros((len(handles), x.shape[1]))
    np.add.at(sums, group, x)
    overall = x.mean(axis=0)
    shift = sums / counts[:, None] - overall
    shift[(counts < min_size) | (handles == "")] = 0.0  # too few to estimate, or no handle
    return x - shift[group]


def _candidate_ks(n: int, min_size: int, max_topics: int) -> list[int]:
    # Clusters lose members to `assign`, so aim for about twice min_size per cluster.
    high = max(2, min(max_topics, n // (2 * max(min_size, 1))))
    return sorted({round(k) for k in np.geomspace(2, high, num=8)})


def choose_clusters(z: np.ndarray, ks: Sequence[int], seed: int, size: int = SAMPLE) -> np.ndarray:
    """Unit centres for the k with the best silhouette on a sample of ``size`` rows, refined
    on every row."""
    rng = np.random.default_rng(seed)
    sample = z if len(z) <= size else z[np.sort(rng.choice(len(z), size, replace=False))]
    distances = np.clip(1.0 - sample @ sample.T, 0.0, 2.0)
    np.fill_diagonal(distances, 0.0)
    best: tuple[float, np.ndarray] | None = None
    for k in ks:
        if k >= len(sample):
            break
        with warnings.catch_warnings():
            # Fewer distinct rows than k (many copies of one post): one cluster less, checked next.
            warnings.simplefilter("ignore", ConvergenceWarning)
            model = KMeans(k, n_init=2, random_state=seed).fit(sample)
        if len(set(model.labels_)) < 2:
            continue
        score = silhouette_score(distances, model.labels_, metric="precomputed")
        if best is None or score > best[0]:
            best = (score, model.cluster_centers_)
    if best is None:
        return np.zeros((0, z.shape[1]))
    centres = best[1]
    if len(sample) < len(z):
        centres = KMeans(len(centres), init=centres, n_init=1, random_state=seed).fit(z)
        centres = centres.cluster_centers_
    return centres / np.maximum(np.linalg.norm(centres, axis=1, keepdims=True), 1e-12)


def assign(z: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Each row's topic (an index into `centres`), or -1: a catch-all cluster's rows, and rows
    not close to their centre or not clearly closer to it than to the runner-up."""
    sims = z @ centres.T
    order = np.argsort(-sims, axis=1, kind="stable")
    rows = np.arange(len(z))
    own = sims[rows, order[:, 0]]
    runner_up = sims[rows, order[:, 1]] if sims.shape[1] > 1 else np.full(len(z), -1.0)
    counts = np.bincount(order[:, 0], minlength=len(centres))
    cohesion: np.ndarray = np.bincount(order[:, 0], weights=own, minlength=len(centres))
    cohesion = cohesion / np.maximum(counts, 1)
    scale = float(np.median(cohesion[counts > 0]))
    clear = (own >= MIN_SIMILARITY * scale) & (own - runner_up >= MIN_MARGIN * scale)
    clear &= cohesion[order[:, 0]] >= MIN_COHESION * scale
    return np.where(clear, order[:, 0], -1)


def _near_copy(a: set[str], b: set[str]) -> bool:
    return len(a & b) >= NEAR_COPY * len(a | b) if a or b else True


def pick_quotes(
    members: np.ndarray, z: np.ndarray, centre: np.ndarray, term_sets: Sequence[set[str]]
) -> list[int]:
    """Positions of up to QUOTES members closest to the centre, skipping near-copies of one
    already picked: by vector, or by words, since a retweet's new @handle moves its vector."""
    ranked = members[np.argsort(-(z[members] @ centre), kind="stable")]
    picked: list[int] = []
    for i in ranked:
        if len(picked) == QUOTES:
            break
        if picked and float(np.max(z[picked] @ z[i])) >= NEAR_COPY:
            continue
        if not any(_near_copy(term_sets[i], term_sets[j]) for j in picked):
            picked.append(int(i))
    return picked


def topic_key(member_ids: Sequence[int]) -> str:
    joined = ",".join(str(i) for i in sorted(member_ids))
    return hashlib.sha256(joined.encode()).hexdigest()[:16]


def purity(assigned: Sequence[int], truth: Sequence[str]) -> float:
    """Share of items whose cluster's majority label is their own label."""
    if not assigned:
        return 0.0
    pairs: dict[int, dict[str, int]] = {}
    for cluster, label_ in zip(assigned, truth, strict=True):
        counts = pairs.setdefault(cluster, {})
        counts[label_] = counts.get(label_, 0) + 1
    return sum(max(c.values()) for c in pairs.values()) / len(assigned)


def nmi(assigned: Sequence[int], truth: Sequence[str]) -> float:
    """Normalised mutual information between clusters and labels (0 unrelated, 1 the same)."""
    return float(normalized_mutual_info_score(list(truth), list(assigned)))
