"""The audit log: who did what, when; append-only."""
