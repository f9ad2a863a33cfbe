"""Moderation: actions through the connectors, the policy guard, automatic rules (R7, R26, R27)."""
