"""hark.text: the folds, slugs and link/handle patterns every layer shares. Exact outputs are
pinned because stored ids and dedup keys are built from them."""

from __future__ import annotations

import pytest

from hark.text import (
    HANDLE,
    HANDLE_NAME,
    LOWERCASE_URL,
    URL,
    ascii_slug,
    fold,
    fold_keeping_offsets,
    slug,
    to_latin,
)


def test_fold_compares_words_across_spellings() -> None:
    assert fold("Ёлка") == "елка"
    assert fold("don’t") == fold("don't") == fold("don`t") == "don't"
    assert fold("مُحَمَّد") == "محمد"  # harakat dropped
    assert fold("جـــميل") == "جميل"  # tatweel dropped
    assert fold("ﻻ") == "لا"  # NFKC: presentation form to letters
    assert fold("Straße") == "strasse"  # casefold, so the length may change


def test_fold_keeping_offsets_keeps_one_character_for_one() -> None:
    for text in ("Ёжик İstanbul", "أمس ٣ أيام", "می\u200cشود", "ΣΊΣΥΦΟΣ", "Straße"):
        assert len(fold_keeping_offsets(text)) == len(text)
    assert fold_keeping_offsets("Ёлка") == "елка"
    assert fold_keeping_offsets("٣ ۴") == "3 4"  # Arabic and Persian digits
    assert len(set(fold_keeping_offsets("أإآٱ"))) == 1  # the alefs with hamza or madda agree
    assert fold_keeping_offsets("كي") == "کی"  # Arabic kaf/ye as the Persian letters
    assert fold_keeping_offsets("İ") == "İ"  # its lower case is two characters: kept


def test_the_two_folds_differ_where_their_callers_need() -> None:
    # Search tokens drop marks; time expressions must keep their offsets, so keep them.
    assert fold("cafe\u0301") == "café" != fold_keeping_offsets("cafe\u0301")
    assert fold("ß") == "ss" and fold_keeping_offsets("ß") == "ß"


@pytest.mark.parametrize(
    ("name", "topic_id"),
    [
        ("Customer Service Issue", "customer_service_issue"),
        ("Доставка / курьеры", "доставка_курьеры"),
        ("Late Flight", "late_flight"),
        ("longlines", "longlines"),
        ("Can't Tell", "can_t_tell"),
        ("  !!Flight Booking Problems!! ", "flight_booking_problems"),
        ("ﬁle", "file"),  # NFKC ligature
        ("!!!", ""),
    ],
)
def test_slug_keeps_unicode_letters_for_topic_ids(name: str, topic_id: str) -> None:
    assert slug(name) == topic_id


def test_slug_is_cut_to_the_column_width() -> None:
    assert len(slug("a" * 300)) == 128


@pytest.mark.parametrize(
    ("name", "entity_id"),
    [
        ("Bank of Moscow", "bank-of-moscow"),
        ("Сбербанк", "sberbank"),
        ("Альфа-Банк", "alfa-bank"),
        ("Қазақтелеком", "qazaqtelekom"),
        ("Café Noir", "cafe-noir"),
        ("Virgin America", "virgin-america"),
        ("بنك", ""),  # no Latin or Cyrillic letters: the catalog must give an id
        ("US_Airways", "us-airways"),
    ],
)
def test_ascii_slug_transliterates_for_entity_ids(name: str, entity_id: str) -> None:
    assert ascii_slug(name) == entity_id


def test_the_two_slugs_differ_as_documented() -> None:
    assert slug("Сбербанк Онлайн") == "сбербанк_онлайн"
    assert ascii_slug("Сбербанк Онлайн") == "sberbank-onlain"


def test_to_latin() -> None:
    assert to_latin("Альфа-Банк") == "alfa-bank"
    assert to_latin("Қазақ") == "qazaq"
    assert to_latin("Йошкар-Ола") == "ioshkar-ola"  # й is и with a mark
    assert to_latin("کتاب") == "كتاب"  # Arabic script stays, its variants made one


def test_urls() -> None:
    text = "see https://t.co/abc and www.example.com/x, HTTP://LOUD.example ok"
    assert URL.findall(text) == ["https://t.co/abc", "www.example.com/x,", "HTTP://LOUD.example"]
    assert LOWERCASE_URL.findall(text) == ["https://t.co/abc", "www.example.com/x,"]
    assert URL.sub(" ", "no links here") == "no links here"


def test_handles() -> None:
    text = "@united thanks, mail me at a@b.com or @@delta (cc @JetBlue)"
    assert HANDLE.findall(text) == ["@united", "@delta", "@JetBlue"]
    assert HANDLE_NAME.findall(text) == ["united", "JetBlue"]
