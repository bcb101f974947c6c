"""Who wrote a mention: a customer, or the brand itself (an official or support account).

Brands answer their customers in public ("@user Здравствуйте! Уточните, пожалуйста, номер в
ЛС", "@115712 Sorry to hear that. Please DM us"); counted as mentions, those replies become
"complaints" and quotes in answers about what customers say. Many sources give no author, so
the decision falls back on the text. In order:

1. the source's own flag, when a mapping or an API push states it (``source_flag``);
2. the author handle is an @handle alias of any catalog entity, brand or competitor: an
   official account either way (competitors' replies are no more customer voice);
3. the text of a public support reply: it starts with @handles addressed to someone who is
   not an official account, and speaks in the service voice, either one strong marker (a
   support signature such as "^ДП", "*AA", "/PB", "-Becky"; "приносим извинения", "уточните,
   пожалуйста", "напишите нам в ЛС", "мы проверим", "sorry to hear", "please DM us", "we'd like
   to help", "кешірім сұраймыз") or two weak ones (a greeting, the polite capitalised "Вы/Ваш",
   "please"/"пожалуйста", a closing brand hashtag, addressing the user by first name).

Conservative by design: a tweet addressed to an official account ("@beeline здравствуйте, у
меня не работает интернет") is a customer's, whatever it says, and so is anything that is not a
reply (news, retweets, posts). A missed brand reply is counted as before; a customer wrongly
left out would be lost from every count, so doubt resolves to "customer".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from enrichment.entities import EntityCatalog

AuthorTypeValue = Literal["customer", "brand"]
# Why the type was chosen; stored nowhere, shown by evals and tests.
Reason = Literal["source_flag", "official_handle", "service_reply", "addresses_official", "default"]

# Leading @handles of a reply, with the separators people put between them.
_LEADING = re.compile(r"\s*(?:\.?@(\w{1,50})[\s,:;.]*)+", re.UNICODE)
_HANDLE = re.compile(r"@(\w{1,50})")
# Handles that name a support desk ("MegaFonHelp", "AmazonHelp", "SpotifyCares", "Ask_Spectrum"),
# used only to recognise a customer addressing one when the catalog does not list it.
_SUPPORT_HANDLE = re.compile(
    r"(?:help|support|care|cares|service|serv|team|official)\w{0,3}$|^ask_?[a-z]", re.IGNORECASE
)

_I = re.IGNORECASE
_ASK = "уточните|сообщите|напишите|пришлите|отправьте"
# One is enough, in a reply to a non-official user.
_STRONG = [
    # Signatures of support agents: "^ДП #МТС", "^JB", "^Anoop 2/2", "*ACJ", "/PB", "-Becky".
    # At the end only (a link, a part counter or hashtags may follow): customers write to the
    # agent by the same initials mid-text ("@united ^GJ flight 1101 had no wifi").
    re.compile(
        r"(?:^|[\s.!?,])\^[A-Za-zА-ЯЁа-яё]{2,12}\s*(?:\d/\d\s*)?(?:#\w+\s*)*"
        r"(?:https?://\S+\s*)?$"
    ),
    re.compile(r"(?:^|\s)\*[A-Z]{2,4}\s*(?:https?://\S+\s*)?$"),
    re.compile(r"\s/[A-Z]{2}\s*(?:https?://\S+\s*)?$"),
    re.compile(r"[.!?)]\s*[-–]\s?[A-Z][a-z]{2,12}\s*(?:https?://\S+\s*)?$"),
    re.compile(r"(?:^|\s)(?:[-–=]\s?[A-Z]{2,3}|\*[A-Z][A-Za-z]{2,12}|[-–]\s?[A-Z][a-z]{2,12})\s*$"),
    re.compile(r"с уважением", _I),
    # Russian.
    re.compile(r"приносим\s+(?:свои\s+|наши\s+)?извинени", _I),
    re.compile(r"извиняемся\s+за", _I),
    re.compile(rf"(?:{_ASK})\W{{0,3}}(?:пожалуйста|пож-та)", _I),
    re.compile(rf"(?:пожалуйста|пож-та)\W{{0,3}}(?:{_ASK})", _I),
    re.compile(r"(?:напишите|сообщите|пришлите|отправьте)\s+(?:\w+\s+)?нам\b", _I),
    re.compile(r"\bв\s+(?:ЛС|личн\w*\s+сообщени\w*|директ)\b", _I),
    re.compile(r"\bмы\s+(?:\w+\s+)?проверим\b|\bпроверим\b\s*[.!]", _I),
    re.compile(r"постараемся\s+помочь|готовы\s+помочь|будем\s+рады\s+помочь", _I),
    re.compile(r"\bнаш(?:и|его|ему|им)?\s+(?:специалист|сотрудник|инженер)", _I),
    re.compile(r"pomogite@|blogs@mts", _I),
    # Asking for the customer's details or pointing to the company's address.
    re.compile(
        r"(?:сообщите|укажите|уточните|направьте|пришлите|напишите)[\s,]+"
        r"(?:(?:пожалуйста|пож-та)[\s,]+)?(?:нам\s+)?(?:Ваш|ФИО|номер|адрес)"
    ),
    re.compile(
        r"(?:направьте|пришлите|отправьте|напишите|сообщите|укажите)[^.!?]{0,60}\bна\s+(?:адрес\s+)?"
        r"[\w.-]+@",
        _I,
    ),
    re.compile(r"приняли\s+в\s+работу|передан\w*\s+(?:в\s+)?(?:соответствующ|специалист)", _I),
    re.compile(r"рады,?\s+что\s+(?:смогли|удалось)\s+помочь|нам\s+(?:очень\s+)?приятно", _I),
    re.compile(r"\bрекомендуем\b|\bнаш(?:ей|их|ем)\s+(?:сет|компани|офис|салон|услуг)", _I),
    re.compile(r"проверьте,?\s+пожалуйста,?\s+@\w+", _I),
    # English.
    re.compile(r"sorry\s+to\s+hear", _I),
    re.compile(r"\b(?:DM|direct\s+message|private\s+message)\s+us\b", _I),
    re.compile(r"send\s+(?:us|me)\s+an?\s+(?:DM|direct\s+message|private\s+message|note)", _I),
    re.compile(r"follow\s+(?:us\s+)?(?:and|&amp;|&)\s+DM", _I),
    re.compile(
        r"(?:we'?d|we\s+would|we'?ll\s+be|we'?re)\s+(?:like|love|happy|glad)\s+to\s+help", _I
    ),
    re.compile(
        r"(?:we|I)\s+apologi[sz]e|our\s+apologies"
        r"|sorry\s+for\s+the\s+(?:inconvenience|trouble)",
        _I,
    ),
    re.compile(
        r"thanks?\s+(?:you\s+)?for\s+(?:reaching\s+out|flying\s+with\s+us|your\s+patience)",
        _I,
    ),
    re.compile(r"we'?ll\s+(?:look\s+into|take\s+a\s+look|get\s+back\s+to\s+you)", _I),
    re.compile(r"(?:happy|glad|here)\s+to\s+(?:help|assist|follow\s+up)", _I),
    re.compile(
        r"\b(?:we|I'?d)\s+(?:advise|recommend)\b|keep\s+us\s+(?:posted|informed|updated)", _I
    ),
    re.compile(r"\b(?:contact|write\s+to)\s+us\b", _I),
    # Kazakh.
    re.compile(r"кешірім\s+сұраймыз", _I),
    re.compile(r"жеке\s+(?:хабарлама|хат)", _I),
    re.compile(r"нөміріңізді", _I),
    re.compile(r"тексереміз|көмектесуге\s+тырысамыз", _I),
]
# Two are needed.
_WEAK = [
    re.compile(
        r"здравствуйте|добр(?:ый|ое|ой)\s+(?:день|вечер|утро|ночи)|сәлеметсіз\s+бе"
        r"|^\s*(?:hi|hello|hey)(?:\s+there)?\b",
        _I,
    ),
    # Polite capitalised "you" inside a sentence: the service voice in Russian.
    re.compile(r"[а-яё,]\s*(?:Вы|Вас|Вам|Вами|Ваш\w*)\b"),
    re.compile(r"пожалуйста|пож-та|\bplease\b|өтінеміз", _I),
    re.compile(r"\bDM\s+me\b", _I),
    re.compile(r"#\w+\s*$"),
    re.compile(
        r"обращайтесь|обратитесь"
        r"|спасибо\s+за\s+(?:уточнение|обращение|информацию|ссылку|признание|отзыв)",
        _I,
    ),
]

# A customer speaking of themselves: weak markers alone do not make such a text a brand's.
_FIRST_PERSON = re.compile(
    r"(?<!\w)(?:я|мне|меня|мной|мо[йяеёи]|моего|моей|моих|мен|менің|my|me|i|i'm)(?!\w)", _I
)


@dataclass(frozen=True)
class AuthorVerdict:
    author_type: AuthorTypeValue
    reason: Reason


# A handle that opens this many texts of one batch (and this share of it) is an account the
# public writes to, a brand's, even when no catalog lists it: a support desk answers many
# different users, each about once, while customers all address the same few handles.
ADDRESSED_MIN = 5
ADDRESSED_SHARE = 0.01


def addressed_handles(texts: list[str]) -> frozenset[str]:
    """Casefolded handles that open many of ``texts`` (see ADDRESSED_MIN)."""
    counts: dict[str, int] = {}
    for text in texts:
        lead = _LEADING.match(text)
        if lead is None or lead.end() == 0:
            continue
        for h in {h.casefold() for h in _HANDLE.findall(lead.group())}:
            counts[h] = counts.get(h, 0) + 1
    floor = max(ADDRESSED_MIN, ADDRESSED_SHARE * len(texts))
    return frozenset(h for h, n in counts.items() if n >= floor)


def official_handles(catalog: EntityCatalog | None) -> frozenset[str]:
    """Casefolded @handle aliases (without "@") of every catalog entity, brand or competitor."""
    if catalog is None:
        return frozenset()
    return frozenset(
        alias[1:].casefold()
        for entity in catalog.entities
        for alias in entity.aliases
        if alias.startswith("@") and len(alias) > 1
    )


def normalise_flag(value: object) -> AuthorTypeValue | None:
    """A source's flag as an author type: "brand"/"customer" (any case), else None."""
    if isinstance(value, str) and value.strip().casefold() in ("brand", "customer"):
        return "brand" if value.strip().casefold() == "brand" else "customer"
    return None


def classify_author(
    text: str,
    author: str | None = None,
    catalog: EntityCatalog | None = None,
    source_flag: object = None,
    *,
    handles: frozenset[str] | None = None,
) -> AuthorVerdict:
    """The author type of one mention and the reason. ``handles`` (from `official_handles`)
    spares a batch recomputing the catalog's handles for every mention."""
    flag = normalise_flag(source_flag)
    if flag is not None:
        return AuthorVerdict(flag, "source_flag")
    official = handles if handles is not None else official_handles(catalog)
    if author and author.strip().lstrip("@").casefold() in official:
        return AuthorVerdict("brand", "official_handle")
    if is_service_reply(text, official, catalog):
        return AuthorVerdict("brand", "service_reply")
    lead = _LEADING.match(text)
    if lead is not None and any(
        _is_official(h, official, catalog) for h in _HANDLE.findall(lead.group())
    ):
        return AuthorVerdict("customer", "addresses_official")
    return AuthorVerdict("customer", "default")


def author_type(
    text: str,
    author: str | None = None,
    catalog: EntityCatalog | None = None,
    source_flag: object = None,
) -> AuthorTypeValue:
    """ "brand" or "customer" for one mention (see the module docstring for the rule)."""
    return classify_author(text, author, catalog, source_flag).author_type


def is_service_reply(
    text: str, official: frozenset[str] = frozenset(), catalog: EntityCatalog | None = None
) -> bool:
    """A public support reply: addressed (leading @handles) to users none of whom is an
    official account, in the service voice (one strong marker or two weak ones)."""
    lead = _LEADING.match(text)
    if lead is None or lead.end() == 0:
        return False
    body = text[lead.end() :]
    if not any(p.search(body) for p in _STRONG) and (
        sum(1 for p in _WEAK if p.search(body)) < 2 or _FIRST_PERSON.search(body)
    ):
        return False
    addressed = _HANDLE.findall(lead.group())
    return not any(_is_official(h, official, catalog) for h in addressed)


def _is_official(handle: str, official: frozenset[str], catalog: EntityCatalog | None) -> bool:
    """An official account: a catalog @handle, a handle naming a catalog entity ("@Beeline_RUS",
    "@MegaFonUralhelp"), or one that names a support desk ("@AmazonHelp")."""
    if handle.casefold() in official or _SUPPORT_HANDLE.search(handle):
        return True
    return catalog is not None and bool(catalog.match(f"@{handle}"))
