"""POST /v1/mentions/{id}/reply-draft on real mentions (airline tweets, pushed Russian, Arabic
and English ones): grounded in the mention, in its language, no promises, no numbers, the
workspace's tone and signature used; a model's draft is checked and a bad one falls back."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from api.app import create_app
from ask.reply_llm import promises_in
from ask.untrusted import INVISIBLE
from ask.verifier import default_detector
from cli.workspace import app as workspace_cli
from enrichment.catalogs import parse, set_catalog
from hark.settings import Settings, get_settings
from services.container import Container
from store.tables import mentions
from tests.helpers import MemoisedEmbedder, api_auth, assert_error, ingest_airline_excerpt, mention
from tests.llm_server import LLMServer

pytestmark = pytest.mark.integration
CATALOGS = Path(__file__).resolve().parents[2] / "enrichment" / "catalogs"
# The airline excerpt's tweet: "@USAirways any update on this flight?It's more than three hours
# delayed. Thank you." (negative, "Late Flight" in the dataset).
LATE_TWEET = "569704108095111168"
SHOP_RU = """
topics:
  - name: Доставка
    description: сроки доставки, опоздавший курьер
    examples: [заказ привезли поздно, доставка заняла неделю, the parcel arrived late]
  - name: Цены
    description: цены, скидки
    examples: [слишком дорого, цены высокие]
"""
# Bidi embeddings, overrides, isolates and marks: an RTL draft needs none of them.
BIDI = re.compile("[\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]")
APOLOGY = re.compile(r"\b(sorry|apologi[sz]e)", re.IGNORECASE)


def _airline(rt: Container, workspace: str = "acme") -> None:
    text = (CATALOGS / "airline.taxonomy.yaml").read_text(encoding="utf-8")
    set_catalog(rt.engine, workspace=workspace, kind="taxonomy", body=parse("taxonomy", text=text))


def _id_of(rt: Container, external_id: str) -> int:
    with rt.engine.connect() as conn:
        return int(
            conn.execute(select(mentions.c.id).where(mentions.c.external_id == external_id))
            .scalars()
            .one()
        )


def _push(client: TestClient, auth: dict[str, str], text: str, **fields: Any) -> int:
    r = client.post(
        "/v1/mentions?wait=true",
        json={"mentions": [mention(text[:20], text, **fields)]},
        headers=auth,
    )
    assert r.status_code == 201, r.text
    return int(r.json()["ids"][0])


def _draft(client: TestClient, auth: dict[str, str], mid: int, **body: Any) -> dict[str, Any]:
    r = client.post(f"/v1/mentions/{mid}/reply-draft", json=body or None, headers=auth)
    assert r.status_code == 200, r.text
    return dict(r.json())


def _language(text: str) -> str | None:
    return default_detector(tuple(get_settings().languages)).detect(text)


@pytest.fixture
def airline(client: TestClient, rt: Container) -> Iterator[TestClient]:
    _airline(rt)
    ingest_airline_excerpt(rt)
    yield client


def test_a_late_flight_complaint_gets_an_apology_about_the_delay(
    airline: TestClient, rt: Container
) -> None:
    auth = api_auth(rt, "acme")
    body = _draft(airline, auth, _id_of(rt, LATE_TWEET))
    draft = body["draft"]
    assert body["composer"] == "template" and body["language"] == "en"
    assert body["tone"] == "apologetic" and body["warnings"] == []
    grounded = body["grounded_on"]
    assert grounded["sentiment"] == "negative" and grounded["rating"] is None
    assert [t["id"] for t in grounded["topics"]] == ["late_flight"]
    # The delay is named, there is an apology and an invitation to a private channel.
    assert "late flight" in draft.lower() and APOLOGY.search(draft)
    assert "direct message" in draft
    # No promise, no number, nothing the customer wrote repeated (their handle, the airline's).
    assert promises_in(draft) == {}
    assert not re.search(r"\d", draft) and "@" not in draft
    assert _language(draft) == "en"


def test_a_pushed_russian_complaint_gets_a_russian_draft(client: TestClient, rt: Container) -> None:
    auth = api_auth(rt, "shop")
    set_catalog(rt.engine, workspace="shop", kind="taxonomy", body=parse("taxonomy", text=SHOP_RU))
    mid = _push(
        client,
        auth,
        "Заказ привезли на неделю позже обещанного, курьер даже не позвонил. Очень разочарован.",
        source="vk",
        author="Иван Петров",
    )
    body = _draft(client, auth, mid)
    draft = body["draft"]
    assert body["language"] == "ru" and body["composer"] == "template"
    assert body["grounded_on"]["sentiment"] == "negative"
    assert "доставка" in [t["name"].lower() for t in body["grounded_on"]["topics"]]
    # The topic is named as the taxonomy names it, inside a Russian sentence.
    assert "сложности: доставка" in draft
    assert "личные сообщения" in draft and "жаль" in draft
    assert _language(draft) == "ru"
    assert "Иван" not in draft and not re.search(r"\d", draft) and promises_in(draft) == {}


def test_an_arabic_complaint_gets_an_arabic_draft_without_bidi_controls(
    client: TestClient, rt: Container
) -> None:
    auth = api_auth(rt, "riyadh")
    put = client.put(
        "/v1/workspace/settings", json={"reply_signature": "Fresh Market Team"}, headers=auth
    )
    assert put.status_code == 200, put.text
    mid = _push(client, auth, "تأخر الطلب كثيرا والخدمة سيئة جدا ولم يرد علي أحد", source="qaym")
    body = _draft(client, auth, mid)
    draft = body["draft"]
    assert body["language"] == "ar" and body["tone"] == "apologetic"
    text, signature = draft.rsplit("\n", 1)
    assert signature == "Fresh Market Team"
    assert _language(text) == "ar"
    assert re.search("[\u0600-\u06ff]", text) and not re.search("[A-Za-z]", text)
    # Right-to-left text and a left-to-right signature, and not one hidden direction mark.
    assert not BIDI.search(draft) and not INVISIBLE.search(draft)
    assert "رسالة خاصة" in text  # the invitation to a private message


def test_praise_gets_thanks_and_no_apology(client: TestClient, rt: Container) -> None:
    auth = api_auth(rt, "acme")
    mid = _push(
        client,
        auth,
        "The crew were wonderful and the flight was smooth and comfortable. Thank you so much!",
    )
    body = _draft(client, auth, mid)
    assert body["grounded_on"]["sentiment"] == "positive" and body["tone"] == "grateful"
    assert "Thank you" in body["draft"] and "kind words" in body["draft"]
    assert not APOLOGY.search(body["draft"]) and "direct message" not in body["draft"]


def test_tone_and_signature_are_set_and_used(client: TestClient, rt: Container) -> None:
    auth, other = api_auth(rt, "acme"), api_auth(rt, "other")
    tone = "Formal, use 'вы', no emoji. Never mention compensation."
    r = client.put(
        "/v1/workspace/settings",
        json={"reply_tone": tone, "reply_signature": "Команда Kaspi"},
        headers=auth,
    )
    assert r.status_code == 200, r.text
    got = client.get("/v1/workspace/settings", headers=auth).json()
    assert (got["reply_tone"], got["reply_signature"]) == (tone, "Команда Kaspi")
    assert got["timezone"] == "UTC"  # left as it was
    mid = _push(client, auth, "Рейс задержали на три часа, никто ничего не объяснил. Ужасно.")
    draft = _draft(client, auth, mid)["draft"]
    assert draft.endswith("\nКоманда Kaspi") and draft.count("Команда Kaspi") == 1
    # Another workspace has neither.
    assert client.get("/v1/workspace/settings", headers=other).json()["reply_signature"] is None
    # Changing the zone leaves the tone; null drops the signature.
    client.put("/v1/workspace/settings", json={"timezone": "Asia/Almaty"}, headers=auth)
    r = client.put("/v1/workspace/settings", json={"reply_signature": None}, headers=auth)
    assert r.json()["reply_tone"] == tone and r.json()["reply_signature"] is None
    assert r.json()["timezone"] == "Asia/Almaty"
    assert "Kaspi" not in _draft(client, auth, mid)["draft"]


def test_bad_settings_are_422_and_change_nothing(client: TestClient, rt: Container) -> None:
    auth = api_auth(rt, "acme")
    client.put("/v1/workspace/settings", json={"reply_tone": "Warm."}, headers=auth)
    for bad in (
        {"reply_tone": "x" * 1001},
        {"reply_signature": "y" * 201},
        {"reply_signature": "Team\nAcme"},
        {"reply_signature": "<b>Team</b>"},
        {"reply_tone": "Warm.\u202eevil"},
        {"reply_tone": 5},
        {"reply_tone": "Calm.", "timezone": "Mars/Olympus"},
        {},
    ):
        assert_error(
            client.put("/v1/workspace/settings", json=bad, headers=auth), 422, "validation_error"
        )
    got = client.get("/v1/workspace/settings", headers=auth).json()
    assert got["reply_tone"] == "Warm." and got["timezone"] == "UTC"


def test_unknown_and_foreign_mentions_are_404(client: TestClient, rt: Container) -> None:
    acme, other = api_auth(rt, "acme"), api_auth(rt, "other")
    mid = _push(client, acme, "The app keeps logging me out.")
    assert _draft(client, acme, mid)["mention_id"] == mid
    for path, auth in (
        (f"/v1/mentions/{mid}/reply-draft", other),
        ("/v1/mentions/999999/reply-draft", acme),
    ):
        assert_error(client.post(path, headers=auth), 404, "not_found")
    assert_error(client.post("/v1/mentions/abc/reply-draft", headers=acme), 422, "validation_error")
    bad_body = client.post(f"/v1/mentions/{mid}/reply-draft", json={"x": 1}, headers=acme)
    assert_error(bad_body, 422, "validation_error")
    assert_error(client.post(f"/v1/mentions/{mid}/reply-draft"), 401, "unauthorized")


def test_the_cli_sets_and_shows_the_reply_tone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HARK_HOME", str(tmp_path / "home"))
    get_settings.cache_clear()
    try:
        cli = CliRunner()
        hark = typer.Typer()  # as cli.main mounts it
        hark.add_typer(workspace_cli, name="workspace")
        r = cli.invoke(hark, ["workspace", "reply-tone", "-w", "acme"])
        assert r.exit_code == 0 and "tone: (none)" in r.stdout, r.output
        r = cli.invoke(
            hark,
            [
                *("workspace", "reply-tone", "Formal, use 'вы'."),
                *("--signature", "Команда Kaspi", "-w", "acme", "--json"),
            ],
        )
        assert r.exit_code == 0, r.output
        assert '"tone": "Formal, use \'вы\'."' in r.stdout and "Команда Kaspi" in r.stdout
        r = cli.invoke(hark, ["workspace", "reply-tone", "x" * 1001, "-w", "acme"])
        assert r.exit_code == 2 and "error [validation_error]" in r.stderr
        r = cli.invoke(hark, ["workspace", "reply-tone", "--reset", "-w", "acme"])
        assert r.exit_code == 0 and "signature: (none)" in r.stdout
    finally:
        get_settings.cache_clear()


# --- with a model ----------------------------------------------------------------------------

LATE = "My flight was delayed by three hours and nobody at the gate told us anything. Awful."
GOOD = (
    "We're very sorry about the long delay and the lack of updates at the gate. Please send us "
    "a direct message with your booking details so our team can look into what happened."
)


@pytest.fixture
def with_model(
    tmp_path: Path, embedder: MemoisedEmbedder, llm_server: LLMServer
) -> Iterator[tuple[TestClient, Container]]:
    settings = Settings(
        home=tmp_path / "llm-home", llm_base_url=llm_server.base_url, _env_file=None
    )  # type: ignore[call-arg]
    rt = Container(settings, embedder=embedder)  # type: ignore[arg-type]
    _airline(rt)
    with TestClient(create_app(rt.settings, rt)) as client:
        yield client, rt
    rt.close()


def test_a_model_draft_is_checked_and_a_bad_one_falls_back(
    with_model: tuple[TestClient, Container], llm_server: LLMServer
) -> None:
    client, rt = with_model
    auth = api_auth(rt, "acme")
    tone = "Warm and brief. Sign off as the Skyways team."
    client.put(
        "/v1/workspace/settings",
        json={"reply_tone": tone, "reply_signature": "Skyways Care"},
        headers=auth,
    )
    mid = _push(client, auth, LATE, source="twitter", author="jane_doe_88")
    offline = _draft(client, auth, mid, use_llm=False)
    assert offline["composer"] == "template" and llm_server.requests == []

    # A good draft is used as written, signed by code.
    llm_server.queue(GOOD)
    good = _draft(client, auth, mid)
    assert good["composer"] == "llm" and good["language"] == "en" and good["warnings"] == []
    assert good["draft"] == GOOD + "\nSkyways Care"
    assert good["grounded_on"] == offline["grounded_on"]
    system, user = (m["content"] for m in llm_server.requests[0]["messages"])
    assert tone in system and "Skyways Care" in system and "untrusted" in system.lower()
    assert "English" in user and LATE in user
    # What code found is in the facts: each topic with its clause's sentiment.
    topics = good["grounded_on"]["topics"]
    assert topics and all(f"{t['name'].lower()} ({t['sentiment']})" in user for t in topics)

    # A refund promise, then a link: retried once with the problems named, then the template.
    for first, second, named in (
        (
            "We're sorry about the delay. We will refund your ticket in full right away.",
            "Sorry about the delay! Details are at https://skyways.example/help for you.",
            "refund",
        ),
        (  # in Russian, twice
            "Нам очень жаль, что ваш рейс задержали. Напишите нам в личные сообщения.",
            "Приносим извинения за задержку рейса. Пожалуйста, напишите нам в личку.",
            "reads as 'ru'",
        ),
        (  # the customer's handle, then a number of its own
            "Sorry about this, @jane_doe_88. Please send us a direct message with the details.",
            "Sorry about the 5 hour wait. Please send us a direct message with the details.",
            "@jane_doe_88",
        ),
    ):
        before = len(llm_server.requests)
        llm_server.queue(first)
        llm_server.queue(second)
        bad = _draft(client, auth, mid)
        assert bad["composer"] == "template" and bad["draft"] == offline["draft"]
        assert len(bad["warnings"]) == 1 and "failed the checks" in bad["warnings"][0]
        retry = llm_server.requests[before + 1]["messages"][-1]["content"]
        assert named in retry, retry
    assert llm_server.pending == 0


def test_guidance_that_allows_a_refund_lets_a_draft_offer_one(
    with_model: tuple[TestClient, Container], llm_server: LLMServer
) -> None:
    client, rt = with_model
    auth = api_auth(rt, "acme")
    mid = _push(client, auth, LATE)
    offer = (
        "We're so sorry about the delay. Please send us a direct message with your booking "
        "details and we can arrange a refund of the delayed leg."
    )
    llm_server.queue(offer)
    llm_server.queue(offer)
    refused = _draft(client, auth, mid)
    assert refused["composer"] == "template" and "refund" in refused["warnings"][0]
    client.put(
        "/v1/workspace/settings",
        json={"reply_tone": "We may offer a refund when a flight is delayed."},
        headers=auth,
    )
    llm_server.queue(offer)
    allowed = _draft(client, auth, mid)
    assert allowed["composer"] == "llm" and allowed["draft"] == offer
    # Offline, the template still promises nothing.
    assert promises_in(_draft(client, auth, mid, use_llm=False)["draft"]) == {}
