"""Author types on real tweets: operators' support replies are "brand", customers (also those
writing to a brand's handle) are "customer"; and how the filter reads in Chroma and mappings.

Russian texts are verbatim from SentiRuEval-2015 telecom/bank tweets
(../shared/data/sentirueval-ru-brand-tweets/telecom.csv, banks.csv; github.com/sbudenkov/FSA,
non-commercial research use); English ones from Customer Support on Twitter
(../shared/data/twitter-customer-support/tweets.csv, Thought Vector, CC BY-NC-SA 4.0), where
`inbound` says who wrote them.
"""

from __future__ import annotations

import pytest

from enrichment.author_type import author_type, classify_author
from enrichment.entities import EntityCatalog
from hark.domain import AuthorType, SearchFilters
from ingestion.mapping import parse_mapping
from retrieval.documents import index_metadata
from retrieval.vector_index import chroma_where

CATALOG = EntityCatalog.from_dict(
    {
        "entities": [
            {"name": "Beeline", "kind": "brand", "aliases": ["Билайн", "@Beeline_RUS"]},
            {"name": "MTS", "kind": "competitor", "aliases": ["МТС", "@ru_mts"]},
            {"name": "MegaFon", "kind": "competitor", "aliases": ["Мегафон", "@megafonru"]},
        ]
    }
)

BRAND_REPLIES = [
    # telecom.csv: operators answering customers.
    "@mkomov Максим, Вашем письмо мы получили. Наши сотрудники свяжутся с Вами завтра и "
    "направят запрос инженерам для проверки. #билайн",
    "@Malawyn, уточните, пожалуйста, переносимый номер и контактный номер. Спасибо! ^ДП #МТС",
    "@vladius99 приносим извинения за возможные неудобства. На данный момент сервис работает "
    "в полном объеме. ^СН #МТС",
    "@itsoft7 Игорь, извиняемся за доставленные неудобства.Для отключения рассылок от Beeline "
    "пришлите, пож-та, Ваш номер на pomogite@beeline.ru",
    "@Aliskyo, здравствуйте! Не допустим такого исхода! Уточните, пожалуйста, где возникли "
    "трудности с сетью (город, улица, дом). #билайн",
    # banks.csv
    "@kzakatoff Пришлите, пожалуйста, нам на social@alfabank.ru № тел-на, на который не "
    "приходят смс, и укажите, по каким операциям. Проверим.",
    # tweets.csv, inbound=False
    "@116358 We take this very seriously. Please send us a DM with your email address so we can "
    "connect ASAP.",
    "@116820 You're very welcome, Colin! ^MR",
    "@116372 @116373 Hi Jamie! Thanks for the awesome compliment for our PDX staff member. "
    "Happy travels. 😊 *HKC",
]

CUSTOMERS = [
    # telecom.csv: customers, most of them addressing the operator's handle.
    "@Beeline_RUS здравствуйте! У меня есть идея по поводу тарифа. А также хочу направить вам "
    "резюме. Не подскажете адреса, куда можно направить?",
    "@MegaFonHelp  здравствуйте. В Питере тоже LTE не работает до 25?",
    "@ru_mts скажите пожалуйста, как мне из Канады СРОЧНО получить детализацию?!",
    "@amaranth815 переходи на мегафон с сохранением номера. Там отличный инет, низкие цены и "
    "нет смс спама.",
    "«Мегафон» стал владельцем 50% акций «Евросети»",
    "RT @fuckkiev: “@EvaKobb: МТС Россия прислала жителям Херсонщины сообщения, в которых "
    "обозвала украинцев фашистами? http://t.co/RbSesXlOUZ” …",
    # banks.csv
    '@sberbank здравствуйте, возможно ли отправить денги в Турцию? У вас просто "western '
    'union" нет. Спасибо заранее.',
    # tweets.csv, inbound=True
    "@sprintcare and how do you propose we do that",
    "@hulu_support I'm getting an error when I try to play episodes. Can you help, please?",
    "@British_Airways We have but not satisfactorily. Can you DM me please",
]


@pytest.mark.parametrize("text", BRAND_REPLIES)
def test_support_replies_are_brand(text: str) -> None:
    verdict = classify_author(text, None, CATALOG)
    assert verdict.author_type == "brand"
    assert verdict.reason == "service_reply"


@pytest.mark.parametrize("text", CUSTOMERS)
def test_customers_stay_customers(text: str) -> None:
    assert author_type(text, None, CATALOG) == "customer"


def test_addressing_the_brand_makes_a_customer_whatever_the_voice() -> None:
    text = "@beeline здравствуйте, у меня не работает интернет, уточните, пожалуйста, сроки"
    catalog = EntityCatalog.from_dict(
        {"entities": [{"name": "Beeline", "kind": "brand", "aliases": ["@beeline"]}]}
    )
    assert author_type(text, None, catalog) == "customer"
    # The same words to another user are the operator's service voice.
    assert author_type(text.replace("@beeline", "@ivan_p"), None, catalog) == "brand"


def test_kazakh_service_reply() -> None:
    text = "@aigerim_k Сәлеметсіз бе! Кешірім сұраймыз, нөміріңізді жеке хабарламаға жазыңыз."
    assert author_type(text) == "brand"
    assert author_type("@Beeline_kz Сәлеметсіз бе, интернет жоқ") == "customer"


def test_an_official_handle_as_author_is_brand_even_for_plain_text() -> None:
    assert classify_author("Новый тариф уже доступен", "@ru_mts", CATALOG).reason == (
        "official_handle"
    )
    assert author_type("Новый тариф уже доступен", "ivan", CATALOG) == "customer"


def test_the_source_flag_wins() -> None:
    assert classify_author(BRAND_REPLIES[0], None, CATALOG, "customer").author_type == "customer"
    assert classify_author("lost my bag", None, None, "Brand").reason == "source_flag"
    # Anything else is no flag: the text decides.
    assert author_type("lost my bag", None, None, "maybe") == "customer"


def test_filter_semantics() -> None:
    assert SearchFilters().author_type_rule() == (True, False)
    assert SearchFilters(author_types=[AuthorType.CUSTOMER]).author_type_rule() == (True, False)
    both = SearchFilters(author_types=[AuthorType.CUSTOMER, AuthorType.BRAND])
    assert both.author_type_rule() == (True, True)
    assert both.is_empty()
    assert not SearchFilters().is_empty()  # the default leaves brands out
    assert SearchFilters.from_params(author_type=["brand"]).author_types == [AuthorType.BRAND]


def test_chroma_where_reads_the_same_rule() -> None:
    assert chroma_where(SearchFilters()) == {"author_type": {"$ne": "brand"}}
    assert chroma_where(SearchFilters(author_types=[AuthorType.BRAND])) == {"author_type": "brand"}
    assert chroma_where(SearchFilters(author_types=[AuthorType.CUSTOMER, AuthorType.BRAND])) is None


class _Row:
    created_at = None
    source = "tw"
    source_type = "social"
    language = "ru"
    brand = location = sentiment = rating = None
    content_hash = "h"

    def __init__(self, author_type: str | None) -> None:
        self.author_type = author_type


def test_only_brand_documents_carry_the_key() -> None:
    # Documents indexed before classification keep their hash: no re-index of customers.
    assert index_metadata(_Row(None)) == index_metadata(_Row("customer"))
    assert index_metadata(_Row("brand"))["author_type"] == "brand"


def test_mapping_flag_column() -> None:
    mapping = parse_mapping(
        {
            "fields": {
                "external_id": "tweet_id",
                "text": "text",
                "author_type": {"column": "inbound", "brand_if": "False"},
            }
        },
        "twcs",
    )
    row = {"tweet_id": "1", "text": "@115712 I understand.", "inbound": "False"}
    assert mapping.apply(row)[0].author_type == AuthorType.BRAND
    assert mapping.apply({**row, "inbound": "True"})[0].author_type == AuthorType.CUSTOMER
