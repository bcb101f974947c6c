"""The refit model's name is written by enrichment and read back by the store: one format."""

import numpy as np

from enrichment.sentiment import SentimentModel
from enrichment.workspace_sentiment import WorkspaceSentiment, fit_head
from hark.model_versions import head_of, with_head


def test_a_refit_name_reads_back_its_head_number() -> None:
    assert head_of(with_head("sentiment.v3", 12)) == 12
    assert head_of("sentiment.v3") is None
    assert head_of(None) is None
    # Only a suffix names a head: a shipped version that merely contains the marker does not.
    assert head_of("sentiment.v3+ws2.extra") is None


def test_the_workspace_model_names_itself_in_the_format_the_store_reads() -> None:
    base = SentimentModel.load()
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(30, 384)).astype(np.float32)
    labels = ["negative", "neutral", "positive"] * 10
    head = fit_head(np.zeros((30, 3)), vectors, labels, version=7)
    assert head_of(WorkspaceSentiment(base, head).version) == 7
    assert head_of(WorkspaceSentiment(base).version) is None
