from ingestion.normalise import dedup_key, is_repost, normalise_text


def test_html_entities_unicode_and_whitespace_are_normalised() -> None:
    raw = "@united  lost my bag &amp; my\u00a0coat\r\n\r\n\r\n  Cafe\u0301 &amp;amp; more\u200b"
    assert normalise_text(raw) == "@united lost my bag & my coat\n\nCafé & more"


def test_normalising_is_stable() -> None:
    once = normalise_text("Ипотека&nbsp;в  ДОМ.РФ &quot;ок&quot;")
    assert normalise_text(once) == once == 'Ипотека в ДОМ.РФ "ок"'


def test_retweets_share_the_key_of_the_original_despite_other_short_links() -> None:
    original = "Our fleet's on fleek. http://t.co/WEZUMDimYF"
    retweet = "RT @JetBlue: Our fleet's on fleek. http://t.co/NfjAuW16vZ"
    assert is_repost(retweet) and not is_repost(original)
    assert dedup_key(original) == dedup_key(retweet)
    assert dedup_key(original) != dedup_key("Our fleet is on fleek, not.")


def test_dedup_key_ignores_case_and_punctuation_only() -> None:
    assert dedup_key("Lost my BAG!!") == dedup_key("lost my bag")
    assert dedup_key("lost my bag") != dedup_key("lost my bags")
