"""X (Twitter, API v2): mentions, recent search, replies and hidden replies. See
``docs/platforms/x.md``."""
