"""Insight briefs: what changed in a period, why, and what to look at, built on the ask
engine (content.py), rendered as Markdown, JSON, HTML and e-mail, scheduled and delivered."""
