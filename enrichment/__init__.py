"""Enrichment: what Hark derives from a mention's text (language so far; sentiment, topics,
brands next). Derived fields only: evaluation labels are never read here."""
