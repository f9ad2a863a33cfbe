"""A suggested first draft in the structure the seeds teach (R11–R15, R21, R24): thanks →
apology (for a complaint) → the solution or two alternatives → the next step, with a link when an
article fits → the signature; in Finnish, Turkish or English. Deterministic and offline: the
wording is chosen from several variants by the conversation and the number of drafts already
made, so that two customers rarely get the same text (R13). An LLM backend could implement the
same ``Drafter`` protocol later; none is used."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Protocol

Phrases = dict[str, tuple[str, ...]]

THANKS: Phrases = {
    "fi": (
        "Kiitos, että kerroit tästä{name}!",
        "Kiitos viestistäsi{name}!",
        "Kiitos, kun otit yhteyttä{name}.",
    ),
    "tr": (
        "Bize yazdığınız için teşekkür ederiz{name}!",
        "Mesajınız için teşekkürler{name}!",
        "Bize ulaştığınız için teşekkür ederiz{name}.",
    ),
    "en": (
        "Thank you for letting us know{name}!",
        "Thanks for your message{name}!",
        "Thank you for getting in touch{name}.",
    ),
}
APOLOGY: Phrases = {
    "fi": (
        "Pahoittelemme tätä todella.",
        "Olemme pahoillamme harmista.",
        "Pahoittelut, ettei kaikki mennyt niin kuin piti.",
    ),
    "tr": (
        "Yaşadığınız sorun için içtenlikle özür dileriz.",
        "Bunun için çok üzgünüz.",
        "Yaşattığımız sıkıntı için özür dileriz.",
    ),
    "en": (
        "We're truly sorry about this.",
        "We apologise for the trouble.",
        "Sorry that this went wrong.",
    ),
}
SOLUTION: dict[str, Phrases] = {
    "product": {
        "fi": (
            "Voimme lähettää uuden laitteen tilalle, tai voit palauttaa sen ja saat rahat takaisin – kumpi sopii sinulle paremmin?",
        ),
        "tr": (
            "Size yeni bir cihaz gönderebiliriz ya da iade edip ücretinizi geri alabilirsiniz; hangisini tercih edersiniz?",
        ),
        "en": (
            "We can send you a new one, or you can return it for a full refund – which would you prefer?",
        ),
    },
    "delivery": {
        "fi": ("Tarkistan paketin tilanteen kuljetusyhtiöltä ja kerron, missä se on menossa.",),
        "tr": (
            "Kargonuzun durumunu kargo firmasıyla kontrol edip size nerede olduğunu bildireceğim.",
        ),
        "en": ("I'll check with the carrier where your parcel is and let you know.",),
    },
    "billing": {
        "fi": (
            "Tarkistan laskun ja korjaamme virheen: hyvitämme ylimääräisen veloituksen tai vähennämme sen seuraavasta laskusta.",
        ),
        "tr": (
            "Faturanızı kontrol edip hatayı düzelteceğiz: fazla ödemeyi iade edebilir ya da bir sonraki faturanızdan düşebiliriz.",
        ),
        "en": (
            "I'll check the invoice and we'll put it right: we can refund the extra charge or deduct it from your next invoice.",
        ),
    },
    "service": {
        "fi": ("Selvitän, mitä tapahtui, ja palaan asiaan kanssasi.",),
        "tr": ("Ne olduğunu inceleyip size geri döneceğim.",),
        "en": ("I'll find out what happened and get back to you.",),
    },
    "instructions": {
        "fi": ("Ohjeesta löytyy vaihe vaiheelta, miten tämä tehdään.",),
        "tr": ("Kılavuzda bunun adım adım nasıl yapılacağı anlatılıyor.",),
        "en": ("The guide shows step by step how to do this.",),
    },
    "other": {
        "fi": ("Autan mielelläni selvittämään asian.",),
        "tr": ("Bu konuyu çözmenize memnuniyetle yardımcı olurum.",),
        "en": ("I'm happy to help you sort this out.",),
    },
}
SOLUTION["user_error"] = SOLUTION["instructions"]
NEXT_STEP: Phrases = {
    "fi": (
        "Laitatko meille yksityisviestillä tilausnumerosi, niin hoidan asian eteenpäin?",
        "Lähetäthän tilausnumerosi yksityisviestillä, niin jatketaan siellä.",
    ),
    "tr": (
        "Sipariş numaranızı DM'den iletebilir misiniz? Oradan devam edelim.",
        "Sipariş numaranızı özel mesajla gönderirseniz konuyla ben ilgileneceğim.",
    ),
    "en": (
        "Could you DM us your order number so I can take it from there?",
        "Please send your order number by DM and we'll continue there.",
    ),
}
LINK: Phrases = {
    "fi": ("Lisätietoa: {url}",),
    "tr": ("Ayrıntılar: {url}",),
    "en": ("More here: {url}",),
}
PRAISE: Phrases = {
    "fi": ("Ilahduttavaa kuulla – välitämme terveisesi tiimille!",),
    "tr": ("Bunu duymak harika, ekibimize ileteceğiz!",),
    "en": ("That's lovely to hear – we'll pass it on to the team!",),
}
QUESTION: Phrases = {
    "fi": ("Vastaan mielelläni.",),
    "tr": ("Memnuniyetle yanıtlarım.",),
    "en": ("Happy to help with that.",),
}


@dataclass(frozen=True)
class DraftRequest:
    lang: str
    intents: tuple[str, ...]
    area: str | None
    first_name: str = ""
    article_url: str = ""
    signature: str = ""
    variant: str = ""  # the conversation and how many drafts it has had: chooses the wording


class Drafter(Protocol):
    def draft(self, request: DraftRequest) -> str: ...


def _pick(options: tuple[str, ...], seed: str, part: str) -> str:
    digest = hashlib.blake2b(f"{seed}:{part}".encode(), digest_size=4).digest()
    return options[int.from_bytes(digest, "big") % len(options)]


class TemplateDrafter:
    """The offline default."""

    def draft(self, request: DraftRequest) -> str:
        lang = request.lang if request.lang in THANKS else "en"
        seed = request.variant
        name = f", {request.first_name}" if request.first_name else ""
        parts = [_pick(THANKS[lang], seed, "thanks").replace("{name}", name)]
        complaint = "complaint" in request.intents
        if complaint:
            parts.append(_pick(APOLOGY[lang], seed, "apology"))
        if "praise" in request.intents and not complaint:
            parts.append(_pick(PRAISE[lang], seed, "praise"))
        else:
            if "question" in request.intents and not complaint:
                parts.append(_pick(QUESTION[lang], seed, "question"))
            area = request.area if request.area in SOLUTION else "other"
            parts.append(_pick(SOLUTION[area][lang], seed, "solution"))
            if request.article_url:
                parts.append(_pick(LINK[lang], seed, "link").replace("{url}", request.article_url))
            if complaint or area in ("delivery", "billing"):
                parts.append(_pick(NEXT_STEP[lang], seed, "next"))
        text = " ".join(parts)
        return f"{text}\n\n{request.signature}" if request.signature else text


# Moving a public case to private (R18): a short public answer, and the direct message's opening.
TO_PRIVATE: Phrases = {
    "fi": (
        "Kiitos viestistäsi{name}, ja pahoittelut harmista! Lähetimme sinulle yksityisviestin, jotta voimme katsoa tilauksesi tiedot turvallisesti.",
        "Kiitos{name}, ja pahoittelemme tilannetta! Jatketaan yksityisviestillä, niin selvitetään asia tilaustietojesi kanssa.",
    ),
    "tr": (
        "Mesajınız için teşekkür ederiz{name}, yaşadığınız sorun için özür dileriz! Sipariş bilgilerinize güvenle bakabilmek için size özel mesaj gönderdik.",
        "Teşekkürler{name}, bu durum için özür dileriz! Sipariş bilgilerinizle ilgilenmek için özel mesajdan devam edelim.",
    ),
    "en": (
        "Thanks for your message{name}, and sorry for the trouble! We've sent you a direct message so we can look at your order details safely.",
        "Thank you{name}, and we're sorry about this! Let's continue in a direct message so we can check your order details.",
    ),
}
PRIVATE_OPENING: Phrases = {
    "fi": (
        "Hei{name}, kiitos kärsivällisyydestäsi – jatketaan täällä. Kertoisitko tilausnumerosi ja sähköpostiosoitteen, jolla tilasit? Katsomme sitten tilanteesi ja kerromme, mitä seuraavaksi tapahtuu.",
    ),
    "tr": (
        "Merhaba{name}, sabrınız için teşekkür ederiz, buradan devam edelim. Sipariş numaranızı ve sipariş verdiğiniz e-posta adresini paylaşır mısınız? Ardından durumunuzu kontrol edip bir sonraki adımı bildireceğiz.",
    ),
    "en": (
        "Hi{name}, thanks for your patience – let's continue here. Could you share your order number and the e-mail address you ordered with? We'll then check your case and tell you what happens next.",
    ),
}


def to_private(lang: str, first_name: str, signature: str, variant: str) -> tuple[str, str]:
    """The public answer and the direct message's opening for a case moving to private."""
    lang = lang if lang in TO_PRIVATE else "en"
    name = f", {first_name}" if first_name else ""
    public = _pick(TO_PRIVATE[lang], variant, "public").replace("{name}", name)
    private = _pick(PRIVATE_OPENING[lang], variant, "private").replace(
        "{name}", f" {first_name}" if first_name else ""
    )
    if signature:
        public, private = f"{public}\n\n{signature}", f"{private}\n\n{signature}"
    return public, private
