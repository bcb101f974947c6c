import pytest

from enrichment.language import LanguageDetector
from hark.errors import HarkError
from hark.settings import Settings

SAMPLES = {
    "en": "The flight was delayed again and nobody told us why",
    "ru": "Курьер опоздал на два часа, никто не извинился",
    "kk": "Өте керемет қосымша, бірақ жиі қатып қалады",
    "be": "Гэта вельмі добрая праграма, дзякуй распрацоўшчыкам",
    "uk": "Доставка була швидкою, дякую за сервіс",
    "ar": "الغرفة نظيفة والموظفون رائعون جدا",
    "fa": "گوشی عالیه ولی باتری زود تموم میشه",
    "ka": "ეს ძალიან კარგი აპლიკაციაა, გმადლობთ",
}


@pytest.fixture(scope="module")
def detector() -> LanguageDetector:
    return LanguageDetector(Settings(_env_file=None).languages)  # type: ignore[call-arg]


def test_each_of_our_users_languages_is_recognised(detector: LanguageDetector) -> None:
    assert detector.detect_many(list(SAMPLES.values())) == list(SAMPLES)


def test_short_noisy_and_mixed_texts(detector: LanguageDetector) -> None:
    assert detector.detect("@united thanks! http://t.co/abc123") == "en"
    # Kazakh with a Russian clause, as KazSAnDRA's reviews often are: the main language wins.
    assert detector.detect("Қосымша жақсы, рахмет, бірақ иногда зависает") == "kk"
    assert detector.detect("👍👍👍") is None
    assert detector.detect("https://t.co/xyz @someone") is None


def test_bad_language_settings_are_refused() -> None:
    with pytest.raises(HarkError, match="unknown language"):
        LanguageDetector(["en", "xx"])
    with pytest.raises(HarkError, match="at least two"):
        LanguageDetector(["en"])
