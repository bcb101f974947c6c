"""The labeling queue's order: least sure first, weighted by what the counts lean on, every
fourth a random audit pick; and the audit sample's membership rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from enrichment.labeling_queue import RANDOM_EVERY, Candidate, choose, priority
from hark import audit_sample

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def test_uncertain_first_with_a_random_pick_in_every_fourth_slot() -> None:
    sure = Candidate(1, (0.95, 0.03, 0.02), NOW)
    torn = Candidate(2, (0.34, 0.33, 0.33), NOW)
    middling = Candidate(3, (0.1, 0.5, 0.4), NOW)
    picks = choose([sure, torn, middling], [10, 11, 2], limit=6, latest=NOW)
    assert [p.id for p in picks][:3] == [2, 3, 1]
    assert picks[RANDOM_EVERY - 1].pick == "random"
    # A mention is offered once, whichever way it qualifies: 2 was an uncertain pick, so
    # the queue ends when the random ones run out.
    assert [(p.id, p.pick) for p in picks[3:]] == [(10, "random"), (11, "random")]


def test_recent_and_possibly_negative_mentions_weigh_more() -> None:
    old = Candidate(1, (0.45, 0.1, 0.45), NOW - timedelta(days=90))
    recent = Candidate(2, (0.45, 0.1, 0.45), NOW - timedelta(days=2))
    assert priority(recent, NOW)[0] > priority(old, NOW)[0]
    maybe_negative = Candidate(3, (0.4, 0.45, 0.15), NOW)
    not_negative = Candidate(4, (0.1, 0.45, 0.45), NOW)
    assert priority(maybe_negative, NOW)[0] > priority(not_negative, NOW)[0]
    assert "may be negative" in priority(maybe_negative, NOW)[1]


def test_random_slots_fall_back_to_uncertain_when_the_audit_is_exhausted() -> None:
    cands = [Candidate(i, (0.4, 0.3, 0.3), None) for i in range(1, 9)]
    picks = choose(cands, [], limit=8, latest=None)
    assert [p.pick for p in picks] == ["uncertain"] * 8


def test_audit_sample_is_about_a_tenth_and_scattered() -> None:
    members = [i for i in range(1, 20_001) if audit_sample.is_member(i)]
    assert 0.09 < len(members) / 20_000 < 0.11
    # Consecutive ids (one import batch) do not cluster into or out of the sample.
    per_block = [sum(1 for i in members if b <= i < b + 1000) for b in range(1, 20_001, 1000)]
    assert min(per_block) > 70 and max(per_block) < 130
