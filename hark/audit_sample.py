"""A workspace's random audit sample: a fixed pseudo-random tenth of its mentions, chosen by a
multiplicative hash of the mention id. Corrections of these mentions, when the labeling queue
offered them as random picks, measure the labels' error without selection bias; the server
checks a client's claim that a correction was such a pick."""

from __future__ import annotations

# Knuth's multiplicative hash into a prime modulus: consecutive ids scatter evenly.
MULTIPLIER = 2654435761
MODULUS = 1009
BELOW = 101  # ~10 % of mentions


def rank(mention_id: int) -> int:
    """The mention's place in audit order (members are those under BELOW)."""
    return (mention_id * MULTIPLIER) % MODULUS


def is_member(mention_id: int) -> bool:
    return rank(mention_id) < BELOW
