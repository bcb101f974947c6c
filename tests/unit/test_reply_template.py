"""Reply drafts without a database: the template in every language (the ``[reply]`` tables of
ask/phrases), and the checks a model's draft must pass (ask/reply_llm.py)."""

from __future__ import annotations

import re

import pytest

from ask.phrasing import PHRASES, phrases
from ask.reply_llm import (
    MAX_DRAFT_CHARS,
    DraftRequest,
    _parts,
    _unsigned,
    check_draft,
    fold,
    promises_in,
)
from ask.reply_template import (
    ReplyContext,
    TopicMention,
    inline_name,
    phrase_language,
    register,
    split_topics,
    template_reply,
)
from ask.untrusted import INVISIBLE
from prompts import load_prompt

LANGUAGES = sorted(path.stem for path in PHRASES.glob("*.toml"))
LATE = TopicMention("late_flight", "Late Flight", "negative", 0.6)
STAFF = TopicMention("staff", "Staff", "positive", 0.5)
BIDI = re.compile("[\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]")


def _drafts(language: str) -> dict[str, str]:
    def draft(sentiment: str, *topics: TopicMention) -> str:
        return template_reply(ReplyContext(language, sentiment, topics, None))

    return {
        "negative": draft("negative"),
        "negative_topics": draft("negative", LATE),
        "mixed": draft("negative", LATE, STAFF),
        "neutral": draft("neutral"),
        "neutral_topics": draft("neutral", LATE),
        "positive": draft("positive"),
        "positive_topics": draft("positive", STAFF),
        "positive_but": draft("positive", STAFF, LATE),
    }


def _request(language: str = "en", **fields: object) -> DraftRequest:
    base: dict[str, object] = {
        "language": language,
        "mention_text": "Flight UA 915 delayed 3 hours, booking ref 4417823, call me at "
        "+1 415 555 0199",
        "source": "twitter",
        "sentiment": "negative",
        "author": "jane_doe_88",
    }
    return DraftRequest(**(base | fields))  # type: ignore[arg-type]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_template_draft_is_safe_to_post(language: str) -> None:
    for case, draft in _drafts(language).items():
        assert draft and "{" not in draft and "}" not in draft, (case, draft)
        # No number, no promise, nothing hidden or direction-changing (RTL included).
        assert not re.search(r"\d", draft), (case, draft)
        assert promises_in(draft) == {}, (case, draft)
        assert not BIDI.search(draft) and not INVISIBLE.search(draft), (case, draft)
        # It passes the very checks a model's draft must pass, the language check included.
        from ask.verifier import default_detector

        detector = default_detector(tuple(LANGUAGES))
        request = _request(language, mention_text="", author=None)
        assert check_draft(draft, request, detector=detector) == [], (case, draft)


@pytest.mark.parametrize("language", LANGUAGES)
def test_topics_are_named_and_the_sentiment_picks_the_words(language: str) -> None:
    p = phrases(language)["reply"]
    d = _drafts(language)
    assert d["negative"].startswith(p["negative"]) and p["invite_negative"] in d["negative"]
    assert "late flight" in d["negative_topics"] and "staff" not in d["negative_topics"]
    assert "staff" in d["mixed"] and p["praise_also"].split("{")[0] in d["mixed"]
    assert d["positive"].startswith(p["positive"]) and p["closing_positive"] in d["positive"]
    assert p["invite_negative"] not in d["positive"]
    assert "staff" in d["positive_topics"] and "late flight" not in d["positive_topics"]
    assert "late flight" in d["positive_but"] and p["invite_neutral"] in d["positive_but"]
    assert d["neutral_topics"].startswith(p["neutral_topics"].split("{")[0])


def test_english_drafts_apologise_for_complaints_only() -> None:
    d = _drafts("en")
    assert "sorry about the late flight" in d["negative_topics"]
    assert "direct message" in d["negative_topics"]
    for case in ("positive", "positive_topics", "neutral"):
        assert "sorry" not in d[case].lower() and "Thank you" in d[case], case
    assert register("negative") == "apologetic" and register("positive") == "grateful"
    assert register("neutral") == "neutral"


def test_signature_names_and_languages() -> None:
    signed = template_reply(ReplyContext("ru", "neutral", (), "Команда Kaspi"))
    assert signed.endswith("\nКоманда Kaspi") and signed.count("\n") == 1
    assert phrase_language("RU") == "ru" and phrase_language("de") == "en"
    assert phrase_language(None) == "en"
    assert inline_name("Late Flight") == "late flight"
    assert inline_name("Задержка рейса") == "задержка рейса"
    assert inline_name("UAL Wi-Fi") == "UAL Wi-Fi" and inline_name("iPhone App") == "iPhone app"
    # A name from the taxonomy is inert: no markup, no link syntax, no hidden characters.
    hostile = inline_name("<script>[x](javascript:alert(1))\u202e")
    assert "<" not in hostile and "[" not in hostile and not INVISIBLE.search(hostile)
    three = template_reply(
        ReplyContext(
            "en",
            "negative",
            [
                TopicMention(name.lower(), name, "negative", i / 10)
                for i, name in enumerate(["Seats", "Food", "Wifi", "Staff", "Price"])
            ],
        )
    )
    # The three closest, in order.
    assert "the price, staff and wifi." in three and "food" not in three


def test_topics_split_by_their_clauses_sentiment() -> None:
    unclear = TopicMention("price", "Price", None, 0.1)
    problems, praised = split_topics("negative", [STAFF, unclear, LATE])
    assert [t.id for t in problems] == ["late_flight", "price"]
    assert [t.id for t in praised] == ["staff"]
    problems, praised = split_topics("positive", [unclear])
    assert problems == [] and praised == [unclear]


def test_promise_wording_is_found_in_every_script() -> None:
    assert promises_in("We will REFUND your ticket.") == {"refund": "refund"}
    assert set(promises_in("Мы вернём деньги и гарантируем, что это не повторится")) == {
        "refund",
        "guarantee",
    }
    assert promises_in("سنقدم لك تعويضًا مناسبًا") == {"compensation": "تعویض"}
    assert promises_in("قول می\u200cدهیم که تکرار نشود") == {"guarantee": "قول می دهیم"}
    assert promises_in("Дякуємо, ми повернемося до вас") == {}
    assert fold("Ёлка  ВЕРНЁМ") == "елка вернем"


def test_a_model_draft_is_refused_for_each_problem() -> None:
    ok = "We're sorry about the delay. Please send us a direct message with the details."
    assert check_draft(ok, _request()) == []
    # Numbers from the mention may be repeated; invented ones may not.
    assert check_draft("Sorry your flight was delayed 3 hours. Please DM us.", _request()) == []
    kinds = {
        "We'll send a voucher for the delay. Please DM us the details.": "promise",
        "Sorry about the delay of 5 hours, please DM us.": "unsupported_number",
        "Sorry about the delay of five hours, please DM us.": "unsupported_number",
        "Sorry, we found booking 4417823; please DM us.": "personal_data",
        "Sorry about this, @jane_doe_88, please DM us.": "personal_data",
        "Sorry about this, jane_doe_88, please DM us.": "personal_data",
        "Sorry! See https://example.com/help for help.": "link",
        "Sorry! Call +1 415 555 0199 any time.": "contact",
        "Sorry! Write to help@example.com any time.": "contact",
        "Sorry about the <b>delay</b>, please DM us.": "markup",
        "Sorry about the delay\u202e, please DM us.": "hidden_text",
        "Sorry. " * 200: "too_long",
        "  ": "empty",
    }
    for draft, kind in kinds.items():
        found = {p.kind for p in check_draft(draft, _request())}
        assert kind in found, (draft, found)
    assert len("Sorry. " * 200) > MAX_DRAFT_CHARS


def test_guidance_allows_what_it_gives() -> None:
    guidance = _request(
        tone="We may offer a voucher for long delays. Support: help@skyways.example, 24/7.",
        signature="Skyways Care",
    )
    for draft in (
        "Sorry about the delay; we'd like to offer a voucher. Please DM us the details.",
        "Sorry about the delay. Write to help@skyways.example, we answer 24/7.",
    ):
        assert check_draft(draft, guidance) == [], draft
    # Guidance in English allows the same kind of offer in another language.
    assert check_draft("Приносим извинения, мы предложим ваучер.", guidance) == []
    refund = check_draft("Sorry; we will refund you.", guidance)
    assert [p.kind for p in refund] == ["promise"]


def test_the_prompt_has_its_three_parts_and_a_model_signature_is_dropped() -> None:
    system, user, retry = _parts(load_prompt("reply_draft", 1))
    names = {"language": "ru", "language_name": "Russian", "max_chars": MAX_DRAFT_CHARS}
    rendered = system.render(guidance="Formal.", signature="Команда", **names)
    assert "untrusted" in rendered and "Formal." in rendered and "<!--" not in rendered
    text = user.render(
        source="vk",
        sentiment="negative",
        topics="(none found)",
        rating="(none)",
        mention="x",
        **names,
    )
    assert "Russian" in text and "=== retry ===" not in text
    assert "problem one" in retry.render(problems="problem one", **names)
    assert _unsigned("Sorry about that.\n— Команда", "Команда") == "Sorry about that."
    assert _unsigned("Sorry about that.", "Команда") == "Sorry about that."
