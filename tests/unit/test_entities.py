"""Entity matching on real mentions: SentiRuEval-2015 bank/telecom tweets, US airline tweets and
KazSAnDRA reviews (quoted as excerpts, cited in tests/fixtures/README.md)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from enrichment.entities import Entity, EntityCatalog
from enrichment.transliteration import skeleton
from hark.text import ascii_slug, to_latin

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"


def demo(name: str) -> EntityCatalog:
    return EntityCatalog.from_yaml((ROOT / f"enrichment/catalogs/{name}.entities.yaml").read_text())


@pytest.fixture(scope="module")
def banks() -> EntityCatalog:
    return demo("ru-banks")


@pytest.fixture(scope="module")
def telecom() -> EntityCatalog:
    return demo("ru-telecom")


@pytest.fixture(scope="module")
def airlines() -> EntityCatalog:
    return demo("airline")


KASPI = EntityCatalog.from_dict(
    {"entities": [{"name": "Kaspi", "kind": "brand", "aliases": ["Kaspi.kz"]}]}
)


def found(catalog: EntityCatalog, text: str, **kw: str) -> dict[str, tuple[str, bool]]:
    return {m.entity: (m.surface, m.main) for m in catalog.match(text, **kw)}


def test_cyrillic_aliases_and_their_case_endings(banks: EntityCatalog) -> None:
    text = "США ввели санкции против Россельхозбанка, ВТБ и Банка Москвы #железо #интернет"
    assert found(banks, text) == {
        "rosselkhozbank": ("Россельхозбанка", True),
        "vtb": ("ВТБ", False),
        "bank-of-moscow": ("Банка Москвы", False),
    }
    for text, surface in [
        ("Потребительский кредит в газпромбанке г оренбург", "газпромбанке"),
        ('@Kisa_Kisa бонусы "спасибо" от сбербанка)', "сбербанка"),
        ("http://t.co/14dY9LVVeV Взять кредит на технику в альфа банке", "альфа банке"),
        ("Мнение о кредитной карте втб 24 http://t.co/SBJTcsqjCg", "втб 24"),
        ("как получить сбербанковскую карта по интернету", "сбербанковскую"),
    ]:
        assert [m.surface for m in banks.match(text)] == [surface]


def test_transliteration_both_ways() -> None:
    assert to_latin("Альфа-Банк") == "alfa-bank" and to_latin("Қазақ") == "qazaq"
    assert skeleton("Россельхозбанк") == skeleton("Rosselkhozbank") == "roselhozbank"
    assert skeleton("Ёлка") == skeleton("елка")
    latin_alias = EntityCatalog([Entity("sber", "Sberbank", "brand", ())])
    sentence = 'Sberbank CIB снизил оценку GDR ПИКа на 28%, но оставил рейтинг "покупать"'
    assert found(latin_alias, sentence) == {"sber": ("Sberbank", True)}
    assert found(latin_alias, "оценка для ипотеки Сбербанка") == {"sber": ("Сбербанка", True)}
    cyrillic_alias = EntityCatalog([Entity("kaspi", "Каспи", "brand", ())])
    review = "Коляска өте керемет! Көңілімнен шықты! Kaspi.kz, сіздерге рахмет!"
    assert found(cyrillic_alias, review) == {"kaspi": ("Kaspi", True)}


@pytest.mark.parametrize(
    ("review", "surface"),
    [
        ("Тунга дөңгелектерін тек Каспи арқылы аламын, Каспиге рахмет.", "Каспи"),
        ("Сапасы жақсы. Рахмет Каспиге.", "Каспиге"),
        ("Өте керемет мына заманда Каспийдің барына .", "Каспийдің"),
        ("Өте нашар менің каспиыма 10000 сап жіберіңдерші", "каспиыма"),
        ("Ауылға каспиден заказ берсек келеді ме", "каспиден"),
        ("Чек скриншот жасалмайды ... каспидағы дай", "каспидағы"),
        ("Kaspi-дің қосымшасы ыңғайлы", "Kaspi-дің"),
    ],
)
def test_kazakh_endings_and_hyphenated_suffixes(review: str, surface: str) -> None:
    assert [m.surface for m in KASPI.match(review)] == [surface]


def test_ukrainian_and_belarusian_endings(telecom: EntityCatalog) -> None:
    assert found(telecom, "Перейшов до Київстару")["kyivstar"] == ("Київстару", True)
    exact = EntityCatalog([Entity("belarusbank", "Беларусбанк", "brand", ())], fuzzy=False)
    assert found(exact, "Карткі Беларусбанкаў")["belarusbank"][0] == "Беларусбанкаў"
    assert not exact.match("Беларусбанкаўскі")


def test_arabic_script_and_georgian_names_match_exactly() -> None:
    catalog = EntityCatalog(
        [
            Entity("amazon", "أمازون", "brand", ()),
            Entity("digikala", "دیجی‌کالا", "competitor", ("Digikala",)),
            Entity("tbc", "თიბისი", "competitor", ("TBC",)),
        ]
    )
    # hamza and vowel marks, Arabic vs Persian yeh/kaf, the zero-width non-joiner: one word
    assert found(catalog, "طلبت من امازون أمس") == {"amazon": ("امازون", True)}
    assert found(catalog, "أَمَازُون")["amazon"][0] == "أَمَازُون"
    assert found(catalog, "خرید از ديجيكالا")["digikala"][0] == "ديجيكالا"
    assert found(catalog, "თიბისი ბანკი") == {"tbc": ("თიბისი", True)}


def test_endings_only_after_cyrillic_and_only_known_ones(banks: EntityCatalog) -> None:
    sber = EntityCatalog([Entity("sber", "Sber", "brand", ("Сбер",))])
    assert not sber.match("Госбюджет-2014: возврат 6 млрд грн сбережений")
    assert found(banks, "возврат 6 млрд грн сбережений Сбербанка СССР") == {
        "sberbank": ("Сбербанка", True)
    }
    delta = EntityCatalog([Entity("delta", "Delta", "brand", ())])
    assert not delta.match("river deltas of the south")
    assert found(delta, "Delta's app") == {"delta": ("Delta", True)}
    american = EntityCatalog([Entity("aa", "American", "brand", ())])
    assert not american.match("a bit of Americana on board")


def test_word_boundaries_in_real_tweets(banks: EntityCatalog, telecom: EntityCatalog) -> None:
    assert not telecom.match("сайт знакомтсв иностранцы http://t.co/xDyGPUrefB")
    assert not telecom.match("перекрёстке Ленина - Почтамтская иномарка сбила пешехода")
    assert not telecom.match("http://t.co/USlKX5j9Ai омтс менеджера инструкция должностная")
    # "banks of Moscow", plural: not the Bank of Moscow
    assert found(banks, "банки москвы взять кредит сбербанк") == {"sberbank": ("сбербанк", True)}
    assert "bank-of-moscow" in found(banks, "Образец справки по форме банка банк москвы")


def test_digits_split_from_letters(telecom: EntityCatalog, banks: EntityCatalog) -> None:
    text = "вай фай роутер мтс411d инструкция http://t.co/hELZAJUtPb"
    assert found(telecom, text) == {"mts": ("мтс", True)}
    assert found(telecom, "Настройка ммс на iphone 5 теле2") == {"tele2": ("теле2", True)}
    assert found(banks, "http://t.co/JKwAkVAyl3 Банк втб-24 магадан")["vtb"][0] == "втб-24"


def test_misspellings_are_fuzzy_but_conservative(
    banks: EntityCatalog, telecom: EntityCatalog, airlines: EntityCatalog
) -> None:
    text = "Под новые санкции ЕС попадают Сбербанк, ВТБ, Газромбанк, Внешэкономбанк, Россельхозбанк"
    assert found(banks, text)["gazprombank"] == ("Газромбанк", False)
    assert found(banks, "Сбербнк опять завис")["sberbank"] == ("Сбербнк", True)
    assert found(airlines, "Flying Soutwest again")["southwest"] == ("Soutwest", True)
    exact = EntityCatalog(banks.entities, fuzzy=False)
    assert "gazprombank" not in found(exact, text)
    # Uzbek "билан" and Russian "белые", "биллинге" are one edit from Beeline's names
    uzbek = "МТС уяли алоқа компанияси Ўзбекистон бозорига печенье номи билан қайтди"
    assert set(found(telecom, uzbek)) == {"mts"}
    assert not telecom.match("белые ночи")
    assert set(found(telecom, "Выявил баг в биллинге мегафона")) == {"megafon"}
    assert not EntityCatalog([Entity("mts", "MTS", "brand", ())]).match("MTV")  # short: exact


def test_handles_and_hashtags(airlines: EntityCatalog, telecom: EntityCatalog) -> None:
    text = "@VirginAmerica you will match my #AmericanAirlines status? Cool!"
    assert found(airlines, text) == {
        "virgin-america": ("@VirginAmerica", True),
        "american": ("#AmericanAirlines", False),
    }
    text = "@united new 737 plane; wifi: not working. Really? #unitedfail UA1550"
    assert found(airlines, text) == {"united": ("@united", True)}
    assert found(airlines, "#USAirways lost my bag")["us-airways"] == ("#USAirways", True)
    assert found(airlines, "@united so sorry. I ended up on US Air flight.")["us-airways"] == (
        "US Air",
        False,
    )
    text = "@MegaFonUralhelp смс"
    assert found(telecom, text) == {"megafon": ("@MegaFonUralhelp", True)}
    assert found(telecom, "#Команда23 #Велокэшинг #Велобилайн")["beeline"][0] == "#Велобилайн"
    assert not airlines.match("gave my unitedness speech")  # prefixes only inside tags


def test_main_is_the_addressed_or_first_not_the_passing(
    airlines: EntityCatalog, telecom: EntityCatalog
) -> None:
    text = "@united time to give up my 1K status and switch to @Delta - you are so terrible"
    assert found(airlines, text) == {"united": ("@united", True), "delta": ("@Delta", False)}
    text = "@united @AmericanAir spent hundreds to rectify the situation and you guys go quiet"
    assert [m.entity for m in airlines.match(text) if m.main] == ["united", "american"]
    text = "Перешел с мегафона на билайн, позвонили из сервиса и начали задавать вопросы"
    assert found(telecom, text) == {"beeline": ("билайн", True), "megafon": ("мегафона", False)}
    text = "@Beeline_RUS Саратов то когда… Перешел с МТС к вам, а они недавно запустили 4г"
    assert found(telecom, text) == {"beeline": ("@Beeline_RUS", True), "mts": ("МТС", False)}
    assert found(telecom, "«К-телеком» вместо МТС #HTC #Android") == {"mts": ("МТС", True)}
    # "с" + instrumental is "with": the subject, not a departure
    text = "Проблемы с Билайном, а МТС работает"
    assert found(telecom, text)["beeline"][1] is True
    assert found(airlines, "I flew JetBlue instead of Delta")["jetblue"][1] is True
    assert found(airlines, "Switched from Delta to JetBlue")["jetblue"][1] is True


def test_stated_brand_and_title_decide_main(airlines: EntityCatalog) -> None:
    text = "@united switched to fly united from delta for the past two trips"
    got = airlines.match(text, stated_brand="Delta")
    assert [(m.entity, m.main) for m in got] == [("delta", True), ("united", False)]
    got = airlines.match("Lost my bag again.", stated_brand="united")
    assert [(m.entity, m.surface, m.main) for m in got] == [("united", "", True)]
    got = airlines.match("@united flew with Southwest", title="Southwest review")
    assert [(m.entity, m.surface, m.main) for m in got] == [
        ("southwest", "Southwest", True),
        ("united", "@united", False),
    ]
    assert airlines.match("nothing here", stated_brand="Aeroflot") == []


def test_the_airline_excerpt_names_its_airline_as_main(airlines: EntityCatalog) -> None:
    # The dataset's "Delta" rows are tweets to @JetBlue (see airline.entities.yaml).
    ids = {"United": "united", "US Airways": "us-airways", "American": "american"}
    ids |= {"Southwest": "southwest", "Delta": "jetblue", "Virgin America": "virgin-america"}
    with (FIXTURES / "airline_tweets_excerpt.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows
    mains = [{m.entity for m in airlines.match(r["text"]) if m.main} for r in rows]
    assert all(ids[r["airline"]] in m for r, m in zip(rows, mains, strict=True))
    assert sum(len(m) for m in mains) <= len(rows) * 1.05


def test_sentirueval_excerpt_precision_and_recall(
    banks: EntityCatalog, telecom: EntityCatalog
) -> None:
    ids = {"gazprom": "gazprombank", "alfabank": "alfa-bank", "bankmoskvy": "bank-of-moscow"}
    ids["rshb"] = "rosselkhozbank"
    catalogs = {"banks": banks, "telecom": telecom}
    tp = fp = fn = 0
    path = FIXTURES / "sentirueval_brand_tweets_excerpt.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            want = {ids.get(b, b) for b in r["brands"].split(";")}
            got = {m.entity for m in catalogs[r["set"]].match(r["text"])}
            tp, fp, fn = tp + len(want & got), fp + len(got - want), fn + len(want - got)
    assert tp > 90
    assert tp / (tp + fp) >= 0.98 and tp / (tp + fn) >= 0.95


def test_catalog_round_trip_and_version() -> None:
    data = {"entities": [{"name": "Альфа-Банк", "kind": "brand", "aliases": ["@alfa_bank"]}]}
    catalog = EntityCatalog.from_dict(data)
    assert catalog.to_dict() == {
        "entities": [
            {"id": "alfa-bank", "name": "Альфа-Банк", "kind": "brand", "aliases": ["@alfa_bank"]}
        ]
    }
    again = EntityCatalog.from_yaml(
        "entities:\n  - {name: Альфа-Банк, kind: brand, aliases: ['@alfa_bank']}\n"
    )
    assert again.version == catalog.version == EntityCatalog.from_dict(catalog.to_dict()).version
    data["entities"][0]["aliases"] = ["@alfa_bank", "Альфабанк"]
    assert EntityCatalog.from_dict(data).version != catalog.version
    assert ascii_slug("Bank of Moscow") == "bank-of-moscow"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("entities: [", "not valid YAML"),
        ("- name: X", "catalog: expected a mapping"),
        ("brands: []", "brands: unknown field"),
        ("entities: []", "entities: List should have at least 1 item"),
        ("entities: [{kind: brand}]", r"entities\[0\].name: required"),
        ("entities: [{name: X, kind: rival}]", r"entities\[0\].kind: Input should be 'brand'"),
        ("entities: [{name: X, kind: brand, aliases: X}]", r"entities\[0\].aliases: .* valid list"),
        ("entities: [{name: X, kind: brand, alias: [Y]}]", r"entities\[0\].alias: unknown"),
        ("entities: [{name: بنك, kind: brand}]", r"entities\[0\].id: '' is not a slug"),
        ("entities: [{name: X, kind: brand, aliases: ['!!']}]", "has no letters or digits"),
        (
            "entities: [{name: Sber, kind: brand}, {name: Sber, kind: competitor, id: sb}]",
            r"entities\[1\].aliases: 'Sber' is also an alias of 'sber'",
        ),
        (
            "entities: [{name: A1, kind: brand, id: a}, {name: B1, kind: brand, id: a}]",
            r"entities\[1\].id: duplicate id 'a'",
        ),
    ],
)
def test_bad_catalogs_are_refused_naming_the_field(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        EntityCatalog.from_yaml(text)
