"""Applies the enrichers to mentions on their way into the store (new and changed rows only)."""

from __future__ import annotations

from enrichment.language import LanguageDetector
from ingestion.prepare import PreparedMention


class Enricher:
    def __init__(self, language: LanguageDetector) -> None:
        self.language = language

    @property
    def version(self) -> str:
        return self.language.version

    def enrich(self, batch: list[PreparedMention]) -> None:
        """Fill what the source did not give. A language the source states is kept."""
        todo = [p for p in batch if not p.columns.get("language")]
        if not todo:
            return
        detected = self.language.detect_many(
            [
                p.columns["text"]
                if not p.columns["title"]
                else f"{p.columns['title']}\n{p.columns['text']}"
                for p in todo
            ]
        )
        for p, lang in zip(todo, detected, strict=True):
            p.columns["language"] = lang
            p.columns["enrichment_version"] = self.version
