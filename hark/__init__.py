"""Hark: listen to what customers say about a brand and answer questions about it."""

__version__ = "0.1.0"
