"""Settings, read once from the environment (``VASTAA_*``) and passed down explicitly."""

from __future__ import annotations

from pathlib import Path

from platformdirs import user_data_path
from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from vastaa.triage.rules import PriorityWeights

LOCALES = ("fi", "tr", "en")


def default_data_dir() -> Path:
    return user_data_path("vastaa", appauthor=False)


class Settings(BaseSettings):
    """Every setting is documented in docs/operations.md (a test checks it)."""

    model_config = SettingsConfigDict(env_prefix="VASTAA_", extra="ignore")

    data_dir: Path = Field(default_factory=default_data_dir)
    database_url: str = ""
    default_locale: str = "en"
    timezone: str = "Europe/Helsinki"
    session_hours: int = 12
    secure_cookies: bool = False
    ingest_batch_size: int = 5000
    api_max_events: int = 5000
    full_analysis: bool = True
    priority_weights: PriorityWeights = Field(default_factory=PriorityWeights)
    alert_webhook_url: str = ""
    live_seconds: int = 15
    erasure_keeps_evidence: bool = True
    # How long the evidence archive keeps content (JSON, PNG cards); 0 keeps it for ever.
    evidence_retention_days: int = Field(default=1095, ge=0)
    reply_signature: str = ""
    review_policies: str = ""
    review_new_agent_days: int = 14
    # Meta's webhooks (Facebook Page, Instagram): the app secret that signs each delivery
    # (X-Hub-Signature-256) and the verify token of the subscription handshake.
    meta_app_secret: SecretStr = SecretStr("")
    meta_verify_token: SecretStr = SecretStr("")
    # Incidents (R29): how many people complaining about one problem make a pattern (an alert)
    # and a problem (an incident), each complaint within this many hours of the one before.
    incident_pattern: int = Field(default=2, ge=2)
    incident_problem: int = Field(default=3, ge=2)
    incident_window_hours: int = Field(default=72, ge=1)

    @model_validator(mode="after")
    def _problem_after_pattern(self) -> Settings:
        if self.incident_problem < self.incident_pattern:
            raise ValueError("VASTAA_INCIDENT_PROBLEM must be at least VASTAA_INCIDENT_PATTERN")
        return self

    def resolved_database_url(self) -> str:
        """The configured URL, or the embedded SQLite file inside ``data_dir``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'vastaa.db'}"
