"""Meta's webhook receiver, called directly as the route will call it: the handshake, the
signature over the exact bytes, and what a delivery turns into."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vastaa.channels.base import Delivery, MalformedPayload, Unauthorized, WebhookReceiver
from vastaa.channels.meta.webhook import (
    MetaWebhook,
    facebook_webhook,
    instagram_webhook,
    signature,
)
from vastaa.config import Settings
from vastaa.pipeline.events import DeleteEvent, MessageEvent

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "meta"
SECRET = "app-secret-0f9e8d7c6b5a"
VERIFY = "vastaa-verify-4b1f"
PAGE_ID = "104522781234567"


def fixture(name: str) -> bytes:
    return (FIXTURES / f"{name}.json").read_bytes()


@pytest.fixture
def receiver() -> WebhookReceiver:
    return facebook_webhook(Settings(meta_app_secret=SECRET, meta_verify_token=VERIFY))


def signed(body: bytes, secret: str = SECRET) -> Delivery:
    headers = {"x-hub-signature-256": signature(secret, body), "content-type": "application/json"}
    return Delivery(body=body, headers=headers, params={})


def handshake(token: str, mode: str = "subscribe") -> Delivery:
    params = {"hub.mode": mode, "hub.verify_token": token, "hub.challenge": "1158201444"}
    return Delivery(body=b"", headers={}, params=params)


# the handshake -------------------------------------------------------------------------------


def test_the_handshake_answers_the_challenge(receiver: WebhookReceiver) -> None:
    assert receiver.challenge(handshake(VERIFY)) == "1158201444"


@pytest.mark.parametrize(
    ("token", "mode"), [("wrong", "subscribe"), ("", "subscribe"), (VERIFY, "x")]
)
def test_a_wrong_token_or_mode_is_refused(receiver: WebhookReceiver, token: str, mode: str) -> None:
    with pytest.raises(Unauthorized):
        receiver.challenge(handshake(token, mode))


def test_without_a_verify_token_set_every_handshake_is_refused() -> None:
    receiver = MetaWebhook("facebook", app_secret=SECRET, verify_token="")
    with pytest.raises(Unauthorized, match="no verify token"):
        receiver.challenge(handshake(""))


# the signature -------------------------------------------------------------------------------


def test_a_signed_delivery_is_read(receiver: WebhookReceiver) -> None:
    [event] = receiver.receive(signed(fixture("feed_comment__add")))
    assert isinstance(event, MessageEvent)
    assert event.external_id == "122101234567890_1187654321098765"


def test_the_signature_header_may_be_upper_case_hex(receiver: WebhookReceiver) -> None:
    body = fixture("feed_comment__add")
    header = "sha256=" + signature(SECRET, body).removeprefix("sha256=").upper()
    delivery = Delivery(body=body, headers={"x-hub-signature-256": header}, params={})
    assert len(receiver.receive(delivery)) == 1


def test_a_bad_signature_is_refused(receiver: WebhookReceiver) -> None:
    delivery = Delivery(
        body=fixture("feed_comment__add"),
        headers={"x-hub-signature-256": "sha256=" + "0" * 64},
        params={},
    )
    with pytest.raises(Unauthorized, match="does not match"):
        receiver.receive(delivery)


def test_a_missing_signature_is_refused(receiver: WebhookReceiver) -> None:
    with pytest.raises(Unauthorized, match="not signed"):
        receiver.receive(Delivery(body=fixture("feed_comment__add"), headers={}, params={}))


def test_the_old_sha1_signature_alone_is_refused(receiver: WebhookReceiver) -> None:
    body = fixture("feed_comment__add")
    delivery = Delivery(body=body, headers={"x-hub-signature": "sha1=abc"}, params={})
    with pytest.raises(Unauthorized):
        receiver.receive(delivery)


def test_a_body_signed_with_another_secret_is_refused(receiver: WebhookReceiver) -> None:
    with pytest.raises(Unauthorized):
        receiver.receive(signed(fixture("feed_comment__add"), secret="someone-elses-secret"))


def test_the_signature_covers_the_exact_bytes(receiver: WebhookReceiver) -> None:
    body = fixture("feed_comment__add")
    delivery = signed(body)
    reformatted = json.dumps(json.loads(body)).encode()  # the same JSON, other bytes
    with pytest.raises(Unauthorized):
        receiver.receive(Delivery(reformatted, delivery.headers, {}))


def test_without_an_app_secret_every_delivery_is_refused() -> None:
    receiver = facebook_webhook(Settings(meta_app_secret="", meta_verify_token=VERIFY))
    body = fixture("feed_comment__add")
    with pytest.raises(Unauthorized, match="no app secret"):
        receiver.receive(signed(body, secret=""))


def test_the_secret_is_not_in_any_refusal(receiver: WebhookReceiver) -> None:
    with pytest.raises(Unauthorized) as raised:
        receiver.receive(signed(fixture("feed_comment__add"), secret="wrong"))
    assert SECRET not in str(raised.value) and VERIFY not in str(raised.value)


# what a delivery holds -----------------------------------------------------------------------


def test_the_same_delivery_twice_gives_the_same_events(receiver: WebhookReceiver) -> None:
    delivery = signed(fixture("page__batch_with_a_broken_item"))
    first, second = receiver.receive(delivery), receiver.receive(delivery)
    assert [e.external_id for e in first] == [e.external_id for e in second]
    assert [e.model_dump() for e in first] == [e.model_dump() for e in second]


def test_a_broken_item_is_skipped_and_the_rest_kept(receiver: WebhookReceiver) -> None:
    events = receiver.receive(signed(fixture("page__batch_with_a_broken_item")))
    assert [e.external_id for e in events] == [
        "122101234567890_1187654321098765",
        "m_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789",
    ]


def test_a_messenger_echo_is_our_own_message(receiver: WebhookReceiver) -> None:
    [event] = receiver.receive(signed(fixture("messenger_message__echo")))
    assert isinstance(event, MessageEvent)
    assert (event.direction, event.kind, event.public) == ("outbound", "direct_message", False)
    assert event.author.id == PAGE_ID and event.thread_id == "24601234567890123"


def test_an_edit_keeps_the_id_and_says_when(receiver: WebhookReceiver) -> None:
    [added] = receiver.receive(signed(fixture("feed_comment__add")))
    [edited] = receiver.receive(signed(fixture("feed_comment__edited")))
    assert isinstance(added, MessageEvent) and isinstance(edited, MessageEvent)
    assert edited.external_id == added.external_id
    assert added.edited_at is None and edited.edited_at is not None
    assert edited.created_at == added.created_at and edited.text != added.text


def test_a_removed_comment_is_a_deletion(receiver: WebhookReceiver) -> None:
    [event] = receiver.receive(signed(fixture("feed_comment__remove")))
    assert isinstance(event, DeleteEvent)
    assert event.external_id == "122101234567890_1187654321098765"
    assert event.channel.platform == "facebook" and event.channel.account == PAGE_ID


def test_an_instagram_delivery_names_the_instagram_channel() -> None:
    receiver = instagram_webhook(Settings(meta_app_secret=SECRET, meta_verify_token=VERIFY))
    assert receiver.platform == "instagram"
    [event] = receiver.receive(signed(fixture("instagram_comment__add")))
    assert (event.channel.platform, event.channel.account) == ("instagram", "17841405309211844")


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"\xff\xfe",
        b"[]",
        b'{"object": "page"}',
        b'{"object": "page", "entry": [1]}',
        b"[" * 100_000,
    ],
)
def test_a_body_not_in_metas_shape_is_malformed(receiver: WebhookReceiver, body: bytes) -> None:
    with pytest.raises(MalformedPayload):
        receiver.receive(signed(body))


def test_the_signature_is_checked_before_the_body_is_read(receiver: WebhookReceiver) -> None:
    with pytest.raises(Unauthorized):
        receiver.receive(Delivery(b"not json", {}, {}))
