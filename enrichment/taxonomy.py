"""A workspace's topic taxonomy (YAML) and the topic model built from it.

```yaml
topics:
  - name: Lost luggage                      # required, unique
    id: lost_luggage                        # optional; default: slug of the name
    description: Bags that never arrived     # optional, any language
    examples: [my bag never arrived, потеряли багаж]   # phrases in any language
    parent: baggage                          # optional id of another topic
threshold: 0.225 # optional: minimum centred similarity (default tuned, see DEFAULT_*)
margin: 0.02    # optional: how far below the best topic a second topic may score
```

A topic's prototype is the mean of its name/description and examples, embedded as e5
queries (mentions are e5 passages). Scores are
cosines after removing the mean e5 direction (e5 vectors crowd into a narrow cone where every
cosine is ~0.8; centring spreads them so one threshold means the same across taxonomies).

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

# Tuned on the airline tweets' training split (`python -m evals.topics --tune`); see
# evals/topics.py for the grid and the held-out scores.
DEFAULT_THRESHOLD = 0.225
DEFAULT_MARGIN = 0.02


def _finite_or(value: Any, default: float) -> float:
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    return float(value) if ok else default


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
    threshold: float = DEFAULT_THRESHOLD
    margin: float = DEFAULT_MARGIN

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
        # A NaN threshold stored by an older version silently switched topics off.
        return cls(
            topics,
            _finite_or(body.get("threshold"), DEFAULT_THRESHOLD),
            _finite_or(body.get("margin"), DEFAULT_MARGIN),
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
            DEFAULT_THRESHOLD if spec.threshold is None else spec.threshold,
            DEFAULT_MARGIN if spec.margin is None else spec.margin,
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
            "threshold": self.threshold,
            "margin": self.margin,
        }

    def with_topic(self, topic: Topic) -> Taxonomy:
        if any(t.id == topic.id for t in self.topics):
            raise ValueError(f"topic {topic.id!r} exists already")
        return Taxonomy((*self.topics, topic), self.threshold, self.margin)


def _unit(m: np.ndarray) -> np.ndarray:
    return m / np.maximum(np.linalg.norm(m, axis=-1, keepdims=True), 1e-12)


@dataclass
class TopicModel:
    """Scores vectors against a taxonomy's topics: its prototypes, refined by labelled
    examples where there are any (enrichment/topic_examples.py)."""

    taxonomy: Taxonomy
    version: int
    prototypes: np.ndarray  # (topics, dim), centred and unit-length
    centre: np.ndarray  # (dim,) the mean direction removed before comparing
    heads: TopicHeads | None = None  # what labelled examples add; None: prototypes only
    ids: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self.ids = [t.id for t in self.taxonomy.topics]

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
        model = cls(taxonomy, version, _unit(np.stack(protos)), centre)
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
        proto = centred @ self.prototypes.T
        th, margin = self.taxonomy.threshold, self.taxonomy.margin
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
        return np.full(len(self.ids), self.taxonomy.threshold)

    def stages(self) -> dict[str, str]:
        """topic id -> what decides it: prototype | nearest | classifier | calibrated."""
        if self.heads is None:
            return dict.fromkeys(self.ids, "prototype")
        return dict(zip(self.ids, self.heads.stage, strict=True))

    def _centred(self, vectors: np.ndarray) -> np.ndarray:
        return _unit(np.atleast_2d(np.asarray(vectors, dtype=np.float64)) - self.centre)

    def prototype_scores(self, vectors: np.ndarray) -> np.ndarray:
        """(n, topics) centred cosine similarities to the prototypes alone."""
        return self._centred(vectors) @ self.prototypes.T

    def scores(self, vectors: np.ndarray) -> np.ndarray:
        """(n, topics) on the centred-cosine scale, compared with ``thresholds``: the
        prototype similarity, moved by labelled examples where the model has any."""
        centred = self._centred(vectors)
        proto = centred @ self.prototypes.T
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
            self.taxonomy.threshold,
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
