"""Services: one per job (ingest, index, catalogs, enrich, discovery, ask, search, keys), the
only API the front-ends (``api``, ``cli`` and those to come) call. Each owns the invariants of
its job whichever front-end calls it: a catalog change always refreshes the question
vocabulary and schedules re-enrichment, a push always schedules indexing. Front-ends only
translate arguments, errors and *how* deferred work runs (a ``Defer``: after the HTTP response,
or inline before a CLI command exits).

Layers, lowest first (``lint-imports`` holds them, see ``.importlinter``): ``hark`` (core:
domain, errors, settings, text, protocols) < ``store`` < ``enrichment`` < ``retrieval`` <
``ingestion`` < ``analytics``/``ask`` < ``services`` < ``api``/``cli``.
"""
