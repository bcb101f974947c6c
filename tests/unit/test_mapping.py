import csv
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hark.errors import HarkError
from ingestion.mapping import RowError, bundled_mappings, load_mapping, parse_mapping
from tests.helpers import AIRLINE_EXCERPT, SHARED_DATA

# Which shared file each bundled mapping reads.
MAPPING_FILES = {
    "twitter-us-airline-sentiment": "twitter-us-airline-sentiment/tweets.csv",
    "sentirueval-ru-bank-tweets": "sentirueval-ru-brand-tweets/banks.csv",
    "sentirueval-ru-telecom-tweets": "sentirueval-ru-brand-tweets/telecom.csv",
    "sentirueval-ru-restaurant-reviews": "sentirueval-ru-restaurant-aspects/reviews.csv",
    "banki-ru-domrf-reviews": "banki-ru-domrf-reviews/reviews.csv",
    "kazsandra-kk-reviews": "kazsandra-kk-reviews/reviews.csv",
    "semeval16-ar-hotel-reviews": "semeval16-ar-hotel-aspects/reviews.csv",
    "elsahar-ar-restaurant-reviews": "elsahar-ar-restaurant-reviews/reviews.csv",
    "twitter-customer-support": "twitter-customer-support/tweets.csv",
    "digikala-fa-phone-reviews": "digikala-fa-phone-reviews/reviews.csv",
}


def _first_row(path: Path) -> dict[str, str]:
    with path.open(encoding="utf-8", newline="") as fh:
        return next(csv.DictReader(fh))


def test_every_shared_dataset_has_a_bundled_mapping() -> None:
    assert set(bundled_mappings()) == set(MAPPING_FILES)


@pytest.mark.parametrize("name", sorted(MAPPING_FILES))
def test_bundled_mapping_fits_its_dataset(name: str) -> None:
    path = SHARED_DATA / MAPPING_FILES[name]
    if not path.exists():
        pytest.skip(f"{path} not present")
    mapping = load_mapping(name)
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        mapping.check_header(list(reader.fieldnames or []))
        applied = 0
        for record in reader:
            if mapping.include(record):
                mention, _labels = mapping.apply(record)
                applied += 1
                # Labels never reach fields analysis reads.
                for column in mapping.labels.values():
                    assert column not in mention.metadata
            if applied == 50:
                break
    assert applied == 50


def test_airline_row_maps_to_utc_with_labels_kept_apart() -> None:
    mapping = load_mapping("twitter-us-airline-sentiment")
    row = _first_row(AIRLINE_EXCERPT)
    mention, labels = mapping.apply(row)
    local = datetime.strptime(row["tweet_created"], "%m/%d/%Y %H:%M")
    assert mention.created_at == datetime(
        local.year, local.month, local.day, local.hour + 8, local.minute, tzinfo=UTC
    )
    assert mention.brand == row["airline"]
    assert mention.url and mention.url.endswith(row["tweet_id"])
    assert labels["sentiment"] == row["airline_sentiment"]
    dumped = json.dumps(mention.model_dump(mode="json"))
    assert "airline_sentiment" not in dumped and "sentiment" not in mention.metadata


def test_bad_values_name_the_field() -> None:
    mapping = load_mapping("twitter-us-airline-sentiment")
    row = {
        "tweet_id": "1",
        "airline_sentiment": "",
        "negativereason": "",
        "airline": "United",
        "text": "ok",
        "tweet_created": "24/24/2015 99:99",
    }
    with pytest.raises(RowError) as err:
        mapping.apply(row)
    assert err.value.field == "created_at"


def test_rating_scale_and_null_values() -> None:
    mapping = parse_mapping(
        {
            "fields": {
                "external_id": "id",
                "text": "t",
                "rating": {"column": "r", "scale": [1, 5], "null_if": ["0"]},
            }
        },
        "x",
    )
    m, _ = mapping.apply({"id": "1", "t": "fine", "r": "4"})
    assert (m.rating, m.rating_min, m.rating_max) == (4.0, 1.0, 5.0)
    m, _ = mapping.apply({"id": "1", "t": "fine", "r": "0"})
    assert m.rating is None
    with pytest.raises(RowError) as err:
        mapping.apply({"id": "1", "t": "fine", "r": "7"})
    assert "outside its scale" in err.value.reason


_BASE = {"external_id": "i", "text": "t"}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"fields": {"text": "t"}}, "fields: must map 'external_id'"),
        ({"fields": {**_BASE, "sentiment": "s"}}, r"fields: unknown fields \['sentiment'\]"),
        ({"fields": _BASE, "source": {"type": "blog"}}, "source.type: unknown source type 'blog'"),
        (
            {"fields": {**_BASE, "text": {"column": "t", "fmt": "x"}}},
            "fields.text.fmt: unknown key; known: column, format",
        ),
        (
            {"fields": {**_BASE, "created_at": {"column": "d", "timezone": "Mars/Olympus"}}},
            "fields.created_at.timezone: unknown timezone 'Mars/Olympus'",
        ),
        ({"fields": _BASE, "extras": {}}, "extras: unknown table; known: source, fields"),
        (
            {"fields": {**_BASE, "created_at": {"column": "d", "format": 5}}},
            "fields.created_at.format: Input should be a valid string",
        ),
        (
            {"fields": {**_BASE, "rating": {"column": "r", "scale": [5, 1]}}},
            r"fields.rating.scale: scale must be \[min, max\] with min < max",
        ),
        ({"fields": {**_BASE, "rating": {"scale": [1, 5]}}}, "fields.rating: needs a column"),
        ({"fields": {**_BASE, "rating": 5}}, "fields.rating: must be a column name or a table"),
        ({"fields": _BASE, "source": {"nme": "x"}}, "source.nme: unknown key"),
        ({"fields": _BASE, "metadata": {"columns": "a"}}, "metadata.columns: "),
        ({"fields": _BASE, "filter": {"include_if": {"a": [1]}}}, "filter.include_if: "),
    ],
)
def test_bad_mappings_are_refused_with_a_reason(data: dict, message: str) -> None:
    with pytest.raises(HarkError, match=message):
        parse_mapping(data, "bad")


def test_missing_columns_are_reported_before_any_row() -> None:
    mapping = load_mapping("twitter-us-airline-sentiment")
    with pytest.raises(HarkError) as err:
        mapping.check_header(["tweet_id", "text"])
    assert "airline" in err.value.details["missing"]


def test_non_finite_numbers_are_row_errors() -> None:
    mapping = parse_mapping({"fields": {"external_id": "id", "text": "t", "reach": "n"}}, "x")
    for bad in ("nan", "1e400", "-3"):
        with pytest.raises(RowError) as err:
            mapping.apply({"id": "1", "t": "ok", "n": bad})
        assert err.value.field == "reach"


def test_malformed_mapping_files_are_bad_mappings(tmp_path: Path) -> None:
    for body in (
        '[fields]\nexternal_id = "i"\ntext = "t"\nrating = { column = "r", scale = 5 }',
        '[fields]\nexternal_id = "i"\ntext = "t"\n'
        'created_at = { column = "d", timezone = "+05:xx" }',
        'source = "not a table"\n[fields]\nexternal_id = "i"\ntext = "t"',
    ):
        path = tmp_path / "m.toml"
        path.write_text(body, encoding="utf-8")
        with pytest.raises(HarkError) as err:
            load_mapping(str(path))
        assert err.value.code == "bad_mapping"
        assert str(err.value).startswith("mapping 'm': ")


def test_a_malformed_file_names_the_value_at_fault(tmp_path: Path) -> None:
    path = tmp_path / "m.toml"
    path.write_text(
        '[fields]\nexternal_id = "i"\ntext = "t"\nrating = { column = "r", scale = 5 }\n'
        'created_at = { column = "d", timezone = "+05:xx" }',
        encoding="utf-8",
    )
    with pytest.raises(HarkError) as err:
        load_mapping(str(path))
    # Every problem is reported, each with its path in the file.
    assert "fields.rating.scale: scale must be [min, max]" in str(err.value)
    assert "fields.created_at.timezone: bad UTC offset '+05:xx'" in str(err.value)


def test_toml_scalars_keep_their_text_form() -> None:
    mapping = parse_mapping(
        {
            "fields": {**_BASE, "rating": {"column": "r", "scale": [1, 5], "null_if": [0]}},
            "filter": {"include_if": {"inbound": True}},
        },
        "x",
    )
    assert mapping.fields["rating"].null_if == ("0",)
    assert mapping.include_if == {"inbound": "True"}
    assert mapping.fields["rating"].scale == (1.0, 5.0)


@pytest.mark.parametrize(
    ("value", "fmt"),
    [
        ("9999-12-31T23:59:59-14:00", None),  # valid ISO whose UTC instant Python cannot hold
        ("9999-12-31T23:59:59Z", None),
        ("1899-12-31T23:59:59Z", None),
        ("253402300800", "unix"),
        ("99999999999999999999", "unix_ms"),
    ],
)
def test_dates_outside_the_supported_range_are_row_errors(value: str, fmt: str | None) -> None:
    mapping = parse_mapping(
        {"fields": {"external_id": "id", "text": "t", "created_at": {"column": "d", "format": fmt}}}
        if fmt
        else {"fields": {"external_id": "id", "text": "t", "created_at": "d"}},
        "x",
    )
    with pytest.raises(RowError) as err:
        mapping.apply({"id": "1", "t": "ok", "d": value})
    assert err.value.field == "created_at"
    edge = "7258118399" if fmt == "unix" else "7258118399000" if fmt else "2199-12-31T23:59:59Z"
    assert mapping.apply({"id": "1", "t": "ok", "d": edge})[0].created_at
