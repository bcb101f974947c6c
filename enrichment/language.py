"""Language identification (ISO 639-1), offline, robust on short and mixed texts.

lingua's n-gram models ship inside its wheel. Restricting the candidates to the languages a
deployment expects is what makes short texts reliable (a tweet of three words has too little
signal to choose among 75 languages), so the set is a setting.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence

from lingua import IsoCode639_1, Language, LanguageDetectorBuilder
from lingua import LanguageDetector as LinguaDetector

from hark.errors import ErrorCode, HarkError
from hark.text import HANDLE_PATTERN, URL_PATTERN

# Links, @handles and e-mail masks carry no language, and tweets are full of them.
_NOISE = re.compile(rf"{URL_PATTERN}|{HANDLE_PATTERN}|__\w+__", re.IGNORECASE)


class LanguageDetector:
    def __init__(self, languages: Sequence[str], min_confidence: float = 0.5) -> None:
        try:
            chosen = [
                Language.from_iso_code_639_1(IsoCode639_1.from_str(code.lower()))
                for code in languages
            ]
        except ValueError as exc:
            raise HarkError(
                ErrorCode.VALIDATION, f"unknown language code in {list(languages)}"
            ) from exc
        if len(chosen) < 2:
            raise HarkError(ErrorCode.VALIDATION, "name at least two languages to tell apart")
        self.languages = sorted(code.lower() for code in languages)
        self.min_confidence = min_confidence
        self.version = f"lingua:{','.join(self.languages)}"
        self._chosen = chosen
        self._detector: LinguaDetector | None = None
        self._lock = threading.Lock()

    def _built(self) -> LinguaDetector:
        with self._lock:
            if self._detector is None:
                self._detector = LanguageDetectorBuilder.from_languages(*self._chosen).build()
            return self._detector

    def detect_many(self, texts: Sequence[str]) -> list[str | None]:
        """One code per text, or None when the text has too little language to tell."""
        cleaned = [_NOISE.sub(" ", t) for t in texts]
        results = self._built().compute_language_confidence_values_in_parallel(cleaned)
        out: list[str | None] = []
        for values in results:
            best = values[0] if values else None
            if best is None or best.value < self.min_confidence:
                out.append(None)
            else:
                out.append(best.language.iso_code_639_1.name.lower())
        return out

    def detect(self, text: str) -> str | None:
        return self.detect_many([text])[0]
