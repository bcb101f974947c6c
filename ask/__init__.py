"""Answering questions: planning, composing and verifying grounded answers."""
