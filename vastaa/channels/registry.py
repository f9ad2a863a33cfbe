"""Which connector serves which platform. Built-in connectors register exactly as a third-party
one would (``Registry.register``); the composition root builds the registry once."""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from vastaa.channels.base import (
    READS,
    Capability,
    ChannelSetup,
    Connector,
    ConnectorFactory,
    WebhookFactory,
    WebhookReceiver,
)
from vastaa.channels.models import Channel
from vastaa.errors import NotFoundError, PermanentError

if TYPE_CHECKING:
    from vastaa.config import Settings

ENV_SUFFIX = "_env"


@dataclass(frozen=True)
class Registration:
    platform: str
    capabilities: frozenset[Capability]
    factory: ConnectorFactory
    # A public source (an RSS feed) is read without credentials; an account needs them.
    needs_credentials: bool = True
    # What a channel can do where its settings decide (Reddit: a moderator account may remove).
    capabilities_for: Callable[[Mapping[str, Any]], frozenset[Capability]] | None = None


class Registry:
    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self._registered: dict[str, Registration] = {}
        self._webhooks: dict[str, WebhookFactory] = {}
        self._built: dict[tuple[str, str], tuple[str, Connector]] = {}
        self._lock = threading.Lock()
        self._environ = os.environ if environ is None else environ

    def register(
        self,
        platform: str,
        capabilities: frozenset[Capability],
        factory: ConnectorFactory,
        *,
        needs_credentials: bool = True,
        capabilities_for: Callable[[Mapping[str, Any]], frozenset[Capability]] | None = None,
    ) -> None:
        self._registered[platform] = Registration(
            platform, capabilities, factory, needs_credentials, capabilities_for
        )

    def register_webhook(self, platform: str, factory: WebhookFactory) -> None:
        """A platform that pushes its events to ``/webhooks/{platform}``."""
        self._webhooks[platform] = factory

    def platforms(self) -> list[str]:
        return sorted(self._registered)

    def declared(self, platform: str) -> frozenset[Capability]:
        """What the platform's connector can do once a channel is set up."""
        found = self._registered.get(platform)
        return found.capabilities if found else frozenset()

    def webhook(self, platform: str, settings: Settings) -> WebhookReceiver:
        factory = self._webhooks.get(platform)
        if factory is None:
            raise NotFoundError(f"no webhook for {platform}")
        return factory(settings)

    def reads(self, channel: Channel) -> bool:
        """Whether Vastaa reads this channel itself (polls or streams it)."""
        return bool(self.capabilities(channel) & READS)

    def capabilities(self, channel: Channel) -> frozenset[Capability]:
        """What Vastaa can do on this channel: nothing unless it has a connector and is set up
        (credentials, or for a public source its settings; a channel only listened to through
        ingestion has neither)."""
        found = self._registered.get(channel.platform)
        if found is None:
            return frozenset()
        if not (channel.credentials if found.needs_credentials else channel.config):
            return frozenset()
        if found.capabilities_for is not None:
            return found.capabilities_for(channel.config or {})
        return found.capabilities

    def can(self, channel: Channel, capability: Capability) -> bool:
        return capability in self.capabilities(channel)

    def connector(self, channel: Channel) -> Connector:
        """The channel's connector, built once and kept while its settings and credentials stay
        the same (a platform may limit sign-ins: Bluesky allows 300 sessions a day); one per
        channel, replaced when they change."""
        found = self._registered.get(channel.platform)
        if found is None:
            raise PermanentError(f"no connector for {channel.platform}")
        setup = ChannelSetup(
            account=channel.account,
            config=dict(channel.config or {}),
            credentials=self._credentials(channel),
        )
        key, fingerprint = (channel.platform, channel.account), _fingerprint(setup)
        with self._lock:  # built under the lock: two threads never sign in twice
            kept = self._built.get(key)
            if kept is None or kept[0] != fingerprint:
                kept = (fingerprint, found.factory(setup))
                self._built[key] = kept  # a changed channel's old connector is let go
            return kept[1]

    def _credentials(self, channel: Channel) -> dict[str, str]:
        """Credentials as stored, where a key ending in ``_env`` names the environment
        variable that holds the value (``{"token_env": "VASTAA_MASTODON_TOKEN"}``)."""
        resolved: dict[str, str] = {}
        for key, value in (channel.credentials or {}).items():
            if key.endswith(ENV_SUFFIX):
                name = key.removesuffix(ENV_SUFFIX)
                if str(value) not in self._environ:
                    raise PermanentError(f"{name}: the environment variable {value} is not set")
                resolved[name] = self._environ[str(value)]
            else:
                resolved[key] = str(value)
        return resolved


def _fingerprint(setup: ChannelSetup) -> str:
    """A digest of what the connector was built from (kept in memory only)."""
    text = json.dumps([dict(setup.config), dict(setup.credentials)], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def builtin(environ: Mapping[str, str] | None = None) -> Registry:
    """The registry with Vastaa's own connectors."""
    from vastaa.channels import email, rss
    from vastaa.channels.bluesky import connector as bluesky
    from vastaa.channels.mastodon import client as mastodon
    from vastaa.channels.meta import client as meta
    from vastaa.channels.meta import webhook as meta_webhook
    from vastaa.channels.reddit import client as reddit
    from vastaa.channels.x import client as x
    from vastaa.channels.youtube import client as youtube

    registry = Registry(environ)
    registry.register("rss", rss.CAPABILITIES, rss.RssConnector.build, needs_credentials=False)
    registry.register("mastodon", mastodon.CAPABILITIES, mastodon.MastodonConnector.build)
    registry.register("email", email.CAPABILITIES, email.EmailConnector.build)
    registry.register("bluesky", bluesky.CAPABILITIES, bluesky.BlueskyConnector.build)
    registry.register(
        "reddit",
        reddit.CAPABILITIES,
        reddit.RedditConnector.build,
        capabilities_for=reddit.capabilities_for,
    )
    registry.register("facebook", meta.CAPABILITIES, meta.MetaConnector.facebook)
    registry.register("instagram", meta.CAPABILITIES, meta.MetaConnector.instagram)
    registry.register_webhook("facebook", meta_webhook.facebook_webhook)
    registry.register_webhook("instagram", meta_webhook.instagram_webhook)
    registry.register("youtube", youtube.CAPABILITIES, youtube.YouTubeConnector.build)
    registry.register("x", x.CAPABILITIES, x.XConnector.build)
    return registry
