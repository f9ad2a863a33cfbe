"""YouTube (Data API v3): comments on our videos, replies and moderation. See
``docs/platforms/youtube.md``."""
