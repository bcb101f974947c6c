"""Evaluations: quality measured against truth that Hark's own code did not produce."""
