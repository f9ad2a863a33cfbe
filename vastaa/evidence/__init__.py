"""Evidence: immutable, hash-chained snapshots of messages (R28)."""
