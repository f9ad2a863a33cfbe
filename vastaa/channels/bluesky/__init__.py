"""Bluesky: mentions, replies and quotes of the channel's account, searches for the listening
queries and, optionally, the Jetstream firehose; replies to posts. See ``connector`` and
``docs/platforms/bluesky.md``."""
