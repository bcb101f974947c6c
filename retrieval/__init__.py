"""Embedders, the vector index and search over it."""
