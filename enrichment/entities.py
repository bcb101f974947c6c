"""Brands and competitors named in a mention, from a workspace's entity catalog. Pure: no I/O.

Catalog (YAML, or the same shape as a dict)::

    entities:
      - name: Sberbank
        kind: brand              # brand | competitor
        aliases: [Сбербанк, Сбер, "@sberbank", SBER]
        id: sberbank             # optional; a slug of the name otherwise

The name is an alias too. A catalog lists each spelling once; the variants are generated:
- Words are compared on a spelling skeleton (`enrichment.transliteration`), so case, NFC, ё/е,
  accents and Latin/Cyrillic script do not matter: "Sberbank" finds "Сбербанк", "Kaspi" "Каспи".
- Words are whole tokens: "Delta" does not find "Deltas", "Сбер" not "Сбережения". A word
  written in Cyrillic may carry a known Russian, Ukrainian, Belarusian or Kazakh case, number or
  possessive ending ("Сбербанка", "Каспиге", "Kaspi-дің", "сбербанковская"), and an alias word
  ending in -a may swap it ("Альфы"). Inner words of a multi-word alias take singular endings
  only ("Банке Москвы", not "банки Москвы").
- An alias of several words also matches with them joined, hyphenated or split by "_"; letters
  and digits are separate words: "Альфа-Банк" finds "альфабанк" and "@alfa_bank", "US Airways"
  finds "#USAirways", "ВТБ24" finds "ВТБ 24" and "втб-24", "МТС" finds "мтс970".
- Inside an @handle or #hashtag, an alias of four or more letters may start or end the tag
  ("@MegaFonUralhelp", "#велобилайн").
- A one-word name of five or more letters (not a handle) also matches a misspelling that keeps
  its first and last letter: one substituted letter for 5-6 letters, one edit for 7-9, two from
  ten: "Soutwest", "Сбербнк". Shorter ones match exactly.

``main`` marks the entities a mention is about, at most three:
1. the ``stated_brand`` (a source's brand field, by id, name or alias; listed with surface ""
   when the text does not name it) and every entity named in the ``title``; else, from the text,
2. the only entity named; else those addressed at the start (leading @handles, after "RT");
   else the first entity named that is not a passing mention: one preceded by "from", "than",
   "instead of", "vs", "с"/"от"/"вместо"/"чем" (Ukrainian, Belarusian alike) or with a Kazakh
   ablative ending. "Switched from X to Y" makes Y main; entities named after it are not.
Matches come one per entity: mains first, then in order of appearance (title before text).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import yaml
from pydantic import ValidationError

from enrichment.catalog_models import EntitiesSpec, EntitySpec, explain
from enrichment.transliteration import (
    ABLATIVE,
    ENDINGS,
    INSTRUMENTAL,
    WordIndex,
    is_cyrillic,
    normalise,
    skeleton,
)
from hark.text import ascii_slug

RULES = "entities.r1"  # part of the version: changing the rules re-enriches like a new catalog
MAX_MAIN = 3
_ENTITY_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")  # what ascii_slug gives, or a given id
# Letters (with Arabic vowel marks and the Persian zero-width non-joiner) or digits.
_TOKEN = re.compile(r"\d+|(?:[^\W\d_]|[\u0300-\u036f\u064b-\u065f\u0670\u200c])+")
_JOIN = re.compile(r"[\s_\-\u2010-\u2014]{0,3}")  # between the words of one alias
_LEAD = re.compile(r"(?:\s*(?:rt\b|@\w+):?)*", re.IGNORECASE)
_AWAY = frozenset(
    "from than unlike vs versus от из вместо чем кроме від замість ніж ад замест чым".split()
)
_FROM_OR_WITH = frozenset("с со з із зі".split())  # "from" with genitive, "with" otherwise

Token = tuple[int, int, str]  # start, end, text


@dataclass(frozen=True)
class Entity:
    id: str
    name: str
    kind: str
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class EntityMatch:
    entity: str
    kind: str
    surface: str
    main: bool


@dataclass(frozen=True)
class _Found:
    entity: str
    start: int  # offsets of the surface
    end: int
    passing: bool


def _words(alias: str) -> tuple[str, ...]:
    return tuple(w for w in map(skeleton, _TOKEN.findall(normalise(alias))) if w)


def _entity(where: str, spec: EntitySpec) -> Entity:
    entity_id = spec.id if spec.id is not None else ascii_slug(spec.name)
    if not _ENTITY_ID.match(entity_id):
        raise ValueError(f"{where}.id: {entity_id!r} is not a slug ([a-z0-9_-]); give an id")
    return Entity(entity_id, spec.name, spec.kind, tuple(spec.aliases))


class EntityCatalog:
    """Matcher over one catalog; build once, call `match` per mention."""

    def __init__(self, entities: Iterable[Entity], *, fuzzy: bool = True) -> None:
        self.entities = tuple(entities)
        self.fuzzy = fuzzy
        self._by_id: dict[str, Entity] = {}
        # first word -> (entity, remaining words); a joined multi-word alias is one word
        self._first: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
        owner: dict[tuple[str, ...], str] = {}
        misspellable: set[str] = set()
        for i, e in enumerate(self.entities):
            if self._by_id.setdefault(e.id, e) is not e:
                raise ValueError(f"entities[{i}].id: duplicate id {e.id!r}")
            for alias in (e.name, *e.aliases):
                if not (words := _words(alias)):
                    raise ValueError(f"entities[{i}].aliases: {alias!r} has no letters or digits")
                if len(words) == 1 and not alias.startswith(("@", "#")):
                    misspellable.add(words[0])
                for form in dict.fromkeys((words, ("".join(words),))):
                    if owner.setdefault(form, e.id) != e.id:
                        raise ValueError(
                            f"entities[{i}].aliases: {alias!r} is also an alias of {owner[form]!r}"
                        )
        for form, entity in owner.items():
            self._first.setdefault(form[0], []).append((entity, form[1:]))
        self._index = WordIndex(
            {w for form in owner for w in form},
            {form[0] for form in owner if len(form) == 1},
            misspellable if fuzzy else (),
        )

    @cached_property
    def version(self) -> str:
        body = {"rules": RULES, "fuzzy": self.fuzzy, **self.to_dict()}
        blob = json.dumps(body, ensure_ascii=False, sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:16]

    @classmethod
    def from_yaml(cls, text: str) -> EntityCatalog:
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ValueError(f"not valid YAML: {exc}") from exc
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls, data: Any) -> EntityCatalog:
        if not isinstance(data, dict):
            raise ValueError("catalog: expected a mapping with an 'entities' list")
        try:
            spec = EntitiesSpec.model_validate(data)
        except ValidationError as exc:
            raise ValueError(explain(exc)) from None
        return cls(_entity(f"entities[{i}]", e) for i, e in enumerate(spec.entities))

    @classmethod
    def from_stored(cls, body: dict[str, Any]) -> EntityCatalog:
        """A version as stored (`to_dict`), without today's input limits (see Taxonomy)."""
        return cls(
            Entity(e["id"], e["name"], e["kind"], tuple(e.get("aliases", ())))
            for e in body["entities"]
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "entities": [
                {"id": e.id, "name": e.name, "kind": e.kind, "aliases": list(e.aliases)}
                for e in self.entities
            ]
        }

    def entity(self, entity_id: str) -> Entity:
        return self._by_id[entity_id]

    def match(
        self, text: str, *, title: str | None = None, stated_brand: str | None = None
    ) -> list[EntityMatch]:
        text, title = normalise(text), normalise(title or "")
        in_text, in_title = self._scan(text), self._scan(title) if title else []
        surfaces: dict[str, str] = {}
        for source, found in ((title, in_title), (text, in_text)):
            for f in found:
                surfaces.setdefault(f.entity, source[f.start : f.end])
        mains = [f.entity for f in in_title]
        if (stated := self._resolve(stated_brand)) is not None:
            mains.insert(0, stated)
            surfaces.setdefault(stated, "")
        chosen = list(dict.fromkeys(mains or _text_mains(text, in_text)))[:MAX_MAIN]
        order = chosen + [e for e in surfaces if e not in chosen]
        return [EntityMatch(e, self._by_id[e].kind, surfaces[e], e in chosen) for e in order]

    def _resolve(self, stated: str | None) -> str | None:
        stated = (stated or "").strip()
        if not stated or stated in self._by_id:
            return stated or None
        found = self._scan(normalise(stated))
        return found[0].entity if found else None

    def _scan(self, text: str) -> list[_Found]:
        tokens = [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(text)]
        found: list[_Found] = []
        i = 0
        while i < len(tokens):
            start = tokens[i][0]
            tag = start > 0 and text[start - 1] in "@#"
            best: tuple[str, int] | None = None
            for word, singular in self._index.forms(tokens[i][2], tag=tag).items():
                for entity, rest in self._first.get(word, ()):
                    longer = best is None or len(rest) + 1 > best[1]
                    if longer and (not rest or singular) and self._follows(text, tokens, i, rest):
                        best = (entity, len(rest) + 1)
            if best is None:
                i += 1
                continue
            end = _hyphenated_ending(text, tokens, i + best[1], tokens[i + best[1] - 1][1])
            start -= 1 if tag else 0  # the surface keeps its "@" or "#"
            found.append(_Found(best[0], start, end, _passing(tokens, i, text[start:end])))
            i += best[1]
        return found

    def _follows(self, text: str, tokens: list[Token], i: int, rest: tuple[str, ...]) -> bool:
        if i + len(rest) >= len(tokens):
            return False
        for k, word in enumerate(rest, start=i + 1):
            if not _JOIN.fullmatch(text[tokens[k - 1][1] : tokens[k][0]]):
                return False
            singular = self._index.forms(tokens[k][2]).get(word)
            if singular is None or (k < i + len(rest) and not singular):
                return False
        return True


def _text_mains(text: str, found: list[_Found]) -> list[str]:
    named = list(dict.fromkeys(f.entity for f in found))
    if len(named) <= 1:
        return named
    lead = _LEAD.match(text)
    if addressed := [f.entity for f in found if lead and f.start < lead.end()]:
        return addressed
    first = {f.entity: f for f in reversed(found)}
    return [next((e for e in named if not first[e].passing), named[0])]


def _hyphenated_ending(text: str, tokens: list[Token], j: int, end: int) -> int:
    """Extend a surface over a Kazakh ending written after a hyphen: "Kaspi-дің" (a Latin name
    cannot take a Cyrillic ending otherwise; after Cyrillic, "-не" is more likely Russian)."""
    if is_cyrillic(text[end - 1]):
        return end
    if j < len(tokens) and text[end : tokens[j][0]] in ("-", "'", "’"):
        word = tokens[j][2].casefold()
        if is_cyrillic(word[0]) and word in ENDINGS:
            return tokens[j][1]
    return end


def _passing(tokens: list[Token], i: int, surface: str) -> bool:
    low = surface.casefold()
    if is_cyrillic(low[-1]) and low.endswith(ABLATIVE):
        return True
    before = [t[2].casefold() for t in tokens[max(0, i - 2) : i]]
    if not before:
        return False
    if before[-1] in _FROM_OR_WITH:
        return not low.endswith(INSTRUMENTAL)
    return before[-1] in _AWAY or before == ["instead", "of"]
