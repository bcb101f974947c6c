"""The analysts' web page: a single-page app served from ``api/web/static`` (no build step,
nothing from elsewhere) and its cookie sessions. ``api.web.router.install_web`` wires it in.

This package's ``__init__`` imports nothing: ``api.deps`` imports ``api.web.sessions``, and the
router imports ``api.deps``."""
