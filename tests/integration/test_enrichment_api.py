"""Enrichment configuration over HTTP: versioned taxonomy and entities, applied to mentions."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient

from services.container import Container
from tests.helpers import api_auth, assert_error, ingest_airline_excerpt

pytestmark = pytest.mark.integration

CATALOGS = Path(__file__).resolve().parents[2] / "enrichment" / "catalogs"


def test_taxonomy_versions(client: TestClient, rt: Container) -> None:
    auth = api_auth(rt, "acme")
    bad = client.put(
        "/v1/taxonomy", json={"topics": [{"name": "A", "parent": "nope"}]}, headers=auth
    )
    err = assert_error(bad, 422, "bad_catalog")
    assert "parent 'nope'" in err["message"]
    assert_error(client.get("/v1/taxonomy", headers=auth), 404, "not_found")

    body = {"topics": [{"name": "Delivery", "examples": ["курьер опоздал"]}]}
    first = client.put("/v1/taxonomy?apply=false", json=body, headers=auth).json()
    assert (first["version"], first["created"]) == (1, True)
    again = client.put("/v1/taxonomy?apply=false", json=body, headers=auth).json()
    assert (again["version"], again["created"]) == (1, False)
    body["topics"].append({"name": "Price"})
    assert client.put("/v1/taxonomy?apply=false", json=body, headers=auth).json()["version"] == 2
    old = client.get("/v1/taxonomy?version=1", headers=auth).json()
    assert [t["id"] for t in old["body"]["topics"]] == ["delivery"]
    # Another workspace sees none of it.
    assert_error(client.get("/v1/taxonomy", headers=api_auth(rt, "other")), 404, "not_found")


def test_a_taxonomy_stored_before_scoring_2_reads_back_with_its_scale(
    client: TestClient, rt: Container
) -> None:
    """A version saved before scoring 2 has no "scoring" and its threshold on the old scale:
    read back it says scoring 1, so uploading what was read keeps the scale and threshold it
    assigned with, instead of putting 0.225 on the new scale."""
    from store import enrichment as enrichment_store

    legacy = {
        "topics": [{"id": n, "name": n.title()} for n in ("delivery", "price", "staff")],
        "threshold": 0.225,
        "margin": 0.02,
    }
    with rt.engine.begin() as conn:
        enrichment_store.save_catalog(conn, workspace="acme", kind="taxonomy", body=legacy)
    auth = api_auth(rt, "acme")
    read = client.get("/v1/taxonomy", headers=auth).json()["body"]
    assert (read["scoring"], read["threshold"]) == (1, 0.225)
    again = client.put("/v1/taxonomy?apply=false", json=read, headers=auth).json()
    assert (again["body"]["scoring"], again["body"]["threshold"]) == (1, 0.225)
    fresh = {"topics": legacy["topics"]}
    now = client.put("/v1/taxonomy?apply=false", json=fresh, headers=auth).json()["body"]
    assert now["scoring"] == 2 and "threshold" not in now
    for bad in (True, 2.0, "2", 3):
        got = client.put("/v1/taxonomy", json={**fresh, "scoring": bad}, headers=auth)
        assert_error(got, 422, "validation_error")


def test_entities_are_matched_on_pushed_mentions_in_both_scripts(
    client: TestClient, rt: Container
) -> None:
    auth = api_auth(rt, "banks")
    catalog = yaml.safe_load((CATALOGS / "ru-banks.entities.yaml").read_text(encoding="utf-8"))
    assert client.put("/v1/entities", json=catalog, headers=auth).json()["created"] is True
    # Real SentiRuEval bank tweets (texts allowed as fixtures), one in Latin script.
    pushed = client.post(
        "/v1/mentions",
        json={
            "mentions": [
                {
                    "external_id": "1",
                    "source": "tw",
                    "text": "Перешел из ВТБ в Сбербанк, обслуживание лучше",
                },
                {"external_id": "2", "source": "tw", "text": "Sberbank online opyat ne rabotaet"},
            ]
        },
        headers=auth,
    ).json()
    first = client.get(f"/v1/mentions/{pushed['ids'][0]}", headers=auth).json()
    named = {e["entity"]: e["main"] for e in first["entities"]}
    assert named == {"sberbank": True, "vtb": False}
    second = client.get(f"/v1/mentions/{pushed['ids'][1]}", headers=auth).json()
    assert [e["entity"] for e in second["entities"]] == ["sberbank"]


def test_discover_list_and_promote_over_http(client: TestClient, rt: Container) -> None:
    auth = api_auth(rt, "acme")
    assert_error(client.post("/v1/topics/discover", headers=auth), 404, "not_found")
    ingest_airline_excerpt(rt)
    run = client.post("/v1/topics/discover?min_size=5", headers=auth).json()
    assert run["run"] == 1 and run["topics"]
    listed = client.get("/v1/topics/discovered", headers=auth).json()
    assert [t["key"] for t in listed] == [t["key"] for t in run["topics"]]
    key = listed[0]["key"]
    bad = client.post(f"/v1/topics/discovered/{key}/promote", json={"name": ""}, headers=auth)
    assert_error(bad, 422, "validation_error")
    promoted = client.post(
        f"/v1/topics/discovered/{key}/promote?apply=false", json={"name": "Found"}, headers=auth
    ).json()
    assert promoted == {"taxonomy_version": 1, "topic": "found", "name": "Found"}
    status = client.get("/v1/topics/discovered", headers=auth).json()[0]
    assert (status["status"], status["promoted_as"]) == ("promoted", "found")
