"""Reading sources, mapping their fields onto mentions, normalising, de-duplicating, storing."""
