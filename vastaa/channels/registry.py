"""Which connector serves which platform. Built-in connectors register exactly as a third-party
one would (``Registry.register``); the composition root builds the registry once."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from vastaa.channels.base import Capability, ChannelSetup, Connector, ConnectorFactory
from vastaa.channels.models import Channel
from vastaa.errors import PermanentError

ENV_SUFFIX = "_env"


@dataclass(frozen=True)
class Registration:
    platform: str
    capabilities: frozenset[Capability]
    factory: ConnectorFactory


class Registry:
    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self._registered: dict[str, Registration] = {}
        self._environ = os.environ if environ is None else environ

    def register(
        self, platform: str, capabilities: frozenset[Capability], factory: ConnectorFactory
    ) -> None:
        self._registered[platform] = Registration(platform, capabilities, factory)

    def platforms(self) -> list[str]:
        return sorted(self._registered)

    def capabilities(self, channel: Channel) -> frozenset[Capability]:
        """What Vastaa can do on this channel: nothing unless it has a connector and is set up
        (a channel only listened to through ingestion has no credentials)."""
        found = self._registered.get(channel.platform)
        if found is None or not channel.credentials:
            return frozenset()
        return found.capabilities

    def can(self, channel: Channel, capability: Capability) -> bool:
        return capability in self.capabilities(channel)

    def connector(self, channel: Channel) -> Connector:
        found = self._registered.get(channel.platform)
        if found is None:
            raise PermanentError(f"no connector for {channel.platform}")
        setup = ChannelSetup(
            account=channel.account,
            config=dict(channel.config or {}),
            credentials=self._credentials(channel),
        )
        return found.factory(setup)

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


def builtin(environ: Mapping[str, str] | None = None) -> Registry:
    """The registry with Vastaa's own connectors."""
    from vastaa.channels.mastodon import client as mastodon

    registry = Registry(environ)
    registry.register("mastodon", mastodon.CAPABILITIES, mastodon.MastodonConnector.build)
    return registry
