"""A workspace's topic taxonomy (YAML) and the topic model built from it.

```yaml
topics:
  - name: Lost luggage                      # required, unique
    id: lost_luggage                        # optional; default: slug of the name
    description: Bags that never arrived     # optional, any language
    examples: [my bag never arrived, потеряли багаж]   # phrases in any language
    parent: baggage                          # optional id of another topic
threshold: 0.1  # optional: the lowest score that assigns a topic (default: tuned per scale)
margin: 0.02    # optional: how far below the best topic a second topic may score
scoring: 2      # optional: 2 (default) or 1, the scale of taxonomies saved before 2 existed
```

A topic's prototype is the mean of its name/description and examples, embedded as e5
queries (mentions are e5 passages). Scores are cosines after removing the mean e5 direction
(e5 vectors crowd into a narrow cone where every cosine is ~0.8; centring spreads them so one
threshold means the same across taxonomies) and, under scoring 2, what the taxonomy's topics
share: the mean of their prototypes, removed from both sides (the prototypes are rescaled,
the mention keeps what is left of its length). A taxonomy's topics are all
about its domain (mortgages, hotels, flights), so every mention of the domain sits near all
of them, most of all near the topic closest to the domain's centre; compared on what sets
each topic apart, a mention's scores say which topics it is about, not that it is about the
domain. Held-out macro-F1 0.434 -> 0.452 on the airline reasons with no corrections and
0.474 -> 0.498 with 300; presence F1 of name-only taxonomies on domains nothing was tuned on
0.229 -> 0.738 (Russian restaurants) and 0.198 -> 0.529 (Arabic hotels) (evals.topics,
evals.aspects). It needs three topics (with two, removing their mean leaves them opposite,
a forced choice), so smaller taxonomies, and taxonomies saved before scoring 2 existed, keep
scoring 1 (centring only), each scale with its own default threshold.

Labelled mentions (users' corrections, promoted clusters' members) refine the topics:
``TopicModel.build(..., examples=TopicExamples(...))`` or ``model.with_examples(...)`` (no
embedding, cheap to redo after each refit); see enrichment/topic_examples.py. Scores stay on
the same scale and are compared with the one threshold.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import yaml
from pydantic import ValidationError

from enrichment.catalog_models import TaxonomySpec, explain
from enrichment.topic_calibration import calibrate, kept
from enrichment.topic_examples import TopicExamples, TopicHeads, stages_for
from enrichment.topic_examples import fit as fit_heads
from hark.protocols import Embedder
from hark.text import slug

# Scoring 2 removes what the taxonomy's topics share (see above); 1 is centring alone, what
# taxonomies saved before scoring 2 keep (a stored version must assign as it did).
SCORING = 2
LEGACY_SCORING = 1
MIN_SHARED_TOPICS = 3
# Each scale's threshold, tuned on the airline tweets' training split (evals.topics: the
# grid and the held-out scores); the margin is the same on both.
THRESHOLDS = {1: 0.225, 2: 0.1}
DEFAULT_MARGIN = 0.02


def _finite(value: Any) -> float | None:
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    return float(value) if ok else None


@dataclass(frozen=True)
class Topic:
    id: str
    name: str
    description: str = ""
    examples: tuple[str, ...] = ()
    parent: str | None = None

    def phrases(self) -> list[str]:
        head = f"{self.name}: {self.description}" if self.description else self.name
        return [head, *self.examples]


@dataclass(frozen=True)
class Taxonomy:
    topics: tuple[Topic, ...]
    threshold: float | None = None  # None: the default of the scale in use (``cut``)
    margin: float = DEFAULT_MARGIN
    scoring: int = SCORING

    @property
    def removes_shared(self) -> bool:
        """Whether mentions and topics are compared without what the topics share."""
        return self.scoring >= 2 and len(self.topics) >= MIN_SHARED_TOPICS

    @property
    def cut(self) -> float:
        """The lowest score that assigns a topic: the taxonomy's own threshold, or the default
        of the scale its scores are on."""
        if self.threshold is not None:
            return self.threshold
        return THRESHOLDS[2 if self.removes_shared else 1]

    @classmethod
    def from_yaml(cls, text: str) -> Taxonomy:
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ValueError(f"taxonomy is not valid YAML: {exc}") from exc
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls, data: Any) -> Taxonomy:
        if not isinstance(data, dict):
            raise ValueError("taxonomy needs a 'topics' list")
        try:
            spec = TaxonomySpec.model_validate(data)
        except ValidationError as exc:
            raise ValueError(explain(exc)) from None
        return cls.from_spec(spec)

    @classmethod
    def from_stored(cls, body: dict[str, Any]) -> Taxonomy:
        """A version as stored (the output of `to_dict`), without today's input limits: a
        version saved under older rules must still load, or its workspace stops enriching."""
        topics = tuple(
            Topic(
                id=t["id"],
                name=t["name"],
                description=t.get("description", ""),
                examples=tuple(t.get("examples", ())),
                parent=t.get("parent"),
            )
            for t in body["topics"]
        )
        # A NaN threshold stored by an older version silently switched topics off. A version
        # saved before scoring 2 has no "scoring" and keeps the scale it was saved on.
        scoring, margin = body.get("scoring"), _finite(body.get("margin"))
        return cls(
            topics,
            _finite(body.get("threshold")),
            DEFAULT_MARGIN if margin is None else margin,
            # A stored True or 2.0 is not a scale (True == 1 would pass ``in``).
            scoring if type(scoring) is int and scoring in THRESHOLDS else LEGACY_SCORING,
        )

    @classmethod
    def from_spec(cls, spec: TaxonomySpec) -> Taxonomy:
        topics = tuple(
            Topic(
                id=slug(t.id or t.name),
                name=t.name,
                description=t.description,
                examples=tuple(t.examples),
                parent=slug(t.parent) if t.parent else None,
            )
            for t in spec.topics
        )
        for i, t in enumerate(topics):
            if not t.id:
                raise ValueError(f"topics[{i}].id: {spec.topics[i].id!r} gives an empty id")
        ids = [t.id for t in topics]
        if len(set(ids)) != len(ids):
            dup = sorted({i for i in ids if ids.count(i) > 1})
            raise ValueError(f"topics: duplicate topic ids {dup}")
        for t in topics:
            if t.parent is not None and t.parent not in ids:
                raise ValueError(f"topic {t.id!r}: parent {t.parent!r} is not a topic")
        return cls(
            topics,
            spec.threshold,
            DEFAULT_MARGIN if spec.margin is None else spec.margin,
            SCORING if spec.scoring is None else spec.scoring,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "topics": [
                {
                    "id": t.id,
                    "name": t.name,
                    **({"description": t.description} if t.description else {}),
                    **({"examples": list(t.examples)} if t.examples else {}),
                    **({"parent": t.parent} if t.parent else {}),
                }
                for t in self.topics
            ],
            **({"threshold": self.threshold} if self.threshold is not None else {}),
            "margin": self.margin,
            "scoring": self.scoring,
        }

    def with_topic(self, topic: Topic) -> Taxonomy:
        if any(t.id == topic.id for t in self.topics):
            raise ValueError(f"topic {topic.id!r} exists already")
        return replace(self, topics=(*self.topics, topic))


def _unit(m: np.ndarray) -> np.ndarray:
    return m / np.maximum(np.linalg.norm(m, axis=-1, keepdims=True), 1e-12)


def _without(rows: np.ndarray, direction: np.ndarray) -> np.ndarray:
    """``rows`` less their component along the unit ``direction``."""
    return rows - np.outer(rows @ direction, direction)


@dataclass
class TopicModel:
    """Scores vectors against a taxonomy's topics: its prototypes, refined by labelled
    examples where there are any (enrichment/topic_examples.py)."""

    taxonomy: Taxonomy
    version: int
    prototypes: np.ndarray  # (topics, dim), centred and unit-length
    centre: np.ndarray  # (dim,) the mean direction removed before comparing
    heads: TopicHeads | None = None  # what labelled examples add; None: prototypes only
    # (dim,) unit direction the topics share, removed from both sides (scoring 2); None: kept
    shared: np.ndarray | None = None
    ids: list[str] = field(init=False)
    _compared: np.ndarray = field(init=False, repr=False)  # prototypes as mentions meet them

    def __post_init__(self) -> None:
        self.ids = [t.id for t in self.taxonomy.topics]
        protos, shared = self.prototypes, self.shared
        self._compared = protos if shared is None else _unit(_without(protos, shared))

    @classmethod
    def build(
        cls,
        taxonomy: Taxonomy,
        embedder: Embedder,
        centre: np.ndarray,
        *,
        version: int = 0,
        examples: TopicExamples | None = None,
    ) -> TopicModel:
        phrases = [t.phrases() for t in taxonomy.topics]
        flat = [p for ps in phrases for p in ps]
        # Topic phrases are embedded as queries, mentions as passages, as e5 was trained to
        # match them: held-out macro-F1 0.44 vs 0.38 with passage prototypes (evals.topics).
        vectors = np.stack([embedder.embed_query(p) for p in flat])
        protos, at = [], 0
        for ps in phrases:
            block = _unit(vectors[at : at + len(ps)] - centre)
            protos.append(block.mean(axis=0))
            at += len(ps)
        prototypes = _unit(np.stack(protos))
        shared = _unit(prototypes.mean(axis=0)) if taxonomy.removes_shared else None
        model = cls(taxonomy, version, prototypes, centre, shared=shared)
        return model.with_examples(examples)

    def with_examples(self, examples: TopicExamples | None) -> TopicModel:
        """This model refined by labelled mentions, with how a mention's topics are decided
        calibrated on them (topic_calibration: the heads are fit 1 + 5 times, each an m-by-m
        solve per topic; no embedding, so a refit of hundreds of corrections takes well
        under a second)."""
        if examples is None or not len(examples.topics):
            return replace(self, heads=None)
        index = {t: i for i, t in enumerate(self.ids)}
        labels = np.zeros((len(examples.topics), len(self.ids)), dtype=bool)
        for row, found in enumerate(examples.topics):
            for t in found:
                if t in index:
                    labels[row, index[t]] = True
        centred = self._centred(examples.vectors)
        proto = self._prototype_scores(centred)
        th, margin = self.taxonomy.cut, self.taxonomy.margin
        stages = stages_for(labels)

        def fitted(rows: np.ndarray) -> TopicHeads:
            return fit_heads(centred[rows], proto[rows], labels[rows], th, margin, stages)

        rule = calibrate(
            lambda rows: replace(self, heads=fitted(rows)).scores,
            examples.parts(),
            labels,
            th,
            margin,
        )
        return replace(self, heads=replace(fitted(np.arange(len(labels))), rule=rule))

    @property
    def thresholds(self) -> np.ndarray:
        """(topics,) each topic's decision point on ``scores``: the taxonomy's threshold for
        every topic (calibration moves a topic's scores, not its threshold)."""
        return np.full(len(self.ids), self.taxonomy.cut)

    def stages(self) -> dict[str, str]:
        """topic id -> what decides it: prototype | nearest | classifier | calibrated."""
        if self.heads is None:
            return dict.fromkeys(self.ids, "prototype")
        return dict(zip(self.ids, self.heads.stage, strict=True))

    def _centred(self, vectors: np.ndarray) -> np.ndarray:
        return _unit(np.atleast_2d(np.asarray(vectors, dtype=np.float64)) - self.centre)

    def centred_cosines(self, vectors: np.ndarray) -> np.ndarray:
        """(n, topics) centred cosines to the prototypes, the shared direction kept: the scale
        questions are matched on (ask/topic_match), whatever the scoring."""
        return self._centred(vectors) @ self.prototypes.T

    def prototype_scores(self, vectors: np.ndarray) -> np.ndarray:
        """(n, topics) the prototypes' scores alone, on the taxonomy's scale (centred cosines;
        under scoring 2 without the topics' shared direction)."""
        return self._prototype_scores(self._centred(vectors))

    def _prototype_scores(self, centred: np.ndarray) -> np.ndarray:
        if self.shared is not None:
            # The mention keeps its length: one that is mostly about the domain keeps a small
            # remainder and low scores, rather than having noise scaled up to a topic
            # (rescaled, held-out airline macro-F1 was 0.448 against 0.452 kept).
            centred = _without(centred, self.shared)
        return centred @ self._compared.T

    def scores(self, vectors: np.ndarray) -> np.ndarray:
        """(n, topics) on the taxonomy's scale, compared with ``thresholds``: the prototype
        score, moved by labelled examples where the model has any."""
        centred = self._centred(vectors)
        proto = self._prototype_scores(centred)
        if self.heads is None:
            return proto
        return self.heads.adjust(centred, proto)

    def assign(
        self, scores: np.ndarray, *, floor: float | None = None
    ) -> list[list[tuple[str, float]]]:
        """Topics per row, best first: each topic at or above its threshold and within the
        margin of the row's best; a topic with a cut of its own (calibrated on a workspace's
        corrections, topic_calibration) at the threshold alone. With ``floor``, a row's best
        topic also counts when it reaches only the floor (a clause of a review is nearly
        always about something; cross-lingual cosines run lower than the threshold was tuned
        for)."""
        out: list[list[tuple[str, float]]] = []
        scores = np.atleast_2d(scores)
        rule = self.heads.rule if self.heads is not None else None
        keeps = kept(
            scores,
            self.taxonomy.cut,
            self.taxonomy.margin,
            None if rule is None else rule.contested,
            None if rule is None else rule.offset,
        )
        for row, keep in zip(scores, keeps, strict=True):
            if floor is not None and len(row) and row.max() >= floor:
                keep[int(row.argmax())] = True
            found = ((self.ids[i], float(row[i])) for i in np.flatnonzero(keep))
            out.append(sorted(found, key=lambda x: -x[1]))
        return out

    def assign_clauses(
        self, scores: np.ndarray, *, floor: float | None = None
    ) -> list[tuple[str, float, int]]:
        """Topics of one text from its clauses' scores (clauses, topics): a topic is present
        when any clause is about it (``assign`` per clause), with its best score and the
        index of the clause that speaks of it most; best first. A review that speaks of
        several aspects, one per sentence, gets them all."""
        best: dict[str, tuple[float, int]] = {}
        for ci, found in enumerate(self.assign(scores, floor=floor)):
            for topic, score in found:
                if topic not in best or score > best[topic][0]:
                    best[topic] = (score, ci)
        return sorted(((t, s, ci) for t, (s, ci) in best.items()), key=lambda x: -x[1])
