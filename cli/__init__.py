"""The ``hark`` command line: thin adapters over the same services the API uses."""
