"""The mean direction of an embedder's vectors, removed before comparing mentions with topics
(see taxonomy.py). Shipped per embedder as a 1.5 KB artifact built by
`python -m evals.topics --centre` from a multilingual sample of the labelled sets' training
texts; an embedder without one is compared uncentred (and its thresholds need tuning)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np

MODELS = Path(__file__).parent / "models"


def centre_path(embedder_name: str) -> Path:
    return MODELS / f"centre.{embedder_name}.npy"


@cache
def load_centre(embedder_name: str, dim: int) -> np.ndarray:
    path = centre_path(embedder_name)
    if not path.is_file():
        return np.zeros(dim, np.float32)
    return np.load(path).astype(np.float32)
