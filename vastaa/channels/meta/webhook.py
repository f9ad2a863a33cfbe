"""Meta's webhooks: the subscription handshake and signed deliveries.

One receiver serves every Page and Instagram account of the Meta app: each event names its
channel by the notification entry's id. The app's secret signs each delivery
(``X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the exact body>``); the verify token is the
shared word of the handshake (``GET ?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…``).
Both come from Vastaa's settings (``VASTAA_META_APP_SECRET``, ``VASTAA_META_VERIFY_TOKEN``);
when one is not set, every request is refused. Meta delivers again when it gets no 2xx, and may
deliver twice anyway: the events keep Meta's ids, so ingestion stores each once.
"""

from __future__ import annotations

import hashlib
import hmac
import logging

from vastaa.channels.base import Delivery, Unauthorized
from vastaa.channels.meta.parse import parse_body
from vastaa.config import Settings
from vastaa.pipeline.events import Event

log = logging.getLogger(__name__)
SIGNATURE_HEADER = "x-hub-signature-256"
SIGNATURE_PREFIX = "sha256="


class MetaWebhook:
    """The ``WebhookReceiver`` for ``/webhooks/facebook`` and ``/webhooks/instagram`` (both
    accept Page and Instagram notifications: Meta may send both to one callback URL)."""

    def __init__(self, platform: str, *, app_secret: str, verify_token: str) -> None:
        self.platform = platform
        self._app_secret = app_secret.encode()
        self._verify_token = verify_token.encode()

    @classmethod
    def build(cls, settings: Settings, platform: str = "facebook") -> MetaWebhook:
        return cls(
            platform,
            app_secret=settings.meta_app_secret.get_secret_value(),
            verify_token=settings.meta_verify_token.get_secret_value(),
        )

    def challenge(self, delivery: Delivery) -> str:
        """Meta's handshake: answer ``hub.challenge`` when the verify token matches."""
        params = delivery.params
        given = params.get("hub.verify_token", "").encode()
        if not self._verify_token or params.get("hub.mode") != "subscribe":
            raise Unauthorized("meta: not a subscription request, or no verify token is set")
        if not hmac.compare_digest(given, self._verify_token):
            raise Unauthorized("meta: the verify token does not match")
        return params.get("hub.challenge", "")

    def receive(self, delivery: Delivery) -> list[Event]:
        self._verify(delivery)
        parsed = parse_body(delivery.body)
        for reason in parsed.skipped:
            log.info("meta webhook: skipped %s", reason)
        return parsed.events

    def _verify(self, delivery: Delivery) -> None:
        """The signature over the exact bytes received, compared in constant time."""
        if not self._app_secret:
            raise Unauthorized("meta: no app secret is set (VASTAA_META_APP_SECRET)")
        header = delivery.headers.get(SIGNATURE_HEADER, "")
        if not header.startswith(SIGNATURE_PREFIX):
            raise Unauthorized("meta: the delivery is not signed (X-Hub-Signature-256)")
        given = header.removeprefix(SIGNATURE_PREFIX).strip().lower().encode()
        expected = hmac.new(self._app_secret, delivery.body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(given, expected.encode()):
            raise Unauthorized("meta: the signature does not match the body")


def signature(app_secret: str, body: bytes) -> str:
    """The ``X-Hub-Signature-256`` value Meta sends with ``body`` (for tests and tools)."""
    return SIGNATURE_PREFIX + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def facebook_webhook(settings: Settings) -> MetaWebhook:
    """The factory registered for ``facebook``."""
    return MetaWebhook.build(settings, "facebook")


def instagram_webhook(settings: Settings) -> MetaWebhook:
    """The factory registered for ``instagram``."""
    return MetaWebhook.build(settings, "instagram")
