"""HTTP API (FastAPI): thin handlers over the domain services."""
