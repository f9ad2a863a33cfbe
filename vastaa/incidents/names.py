"""The faults the concept tables know (``concepts.FAULTS``), named for people: English here,
marked for the catalogs, so a page shows them in its reader's language and a first title
reads "coffee maker: leak" rather than an internal key."""

from __future__ import annotations

from vastaa.i18n import N_

FAULT_NAMES = {
    "leak": N_("leak"),
    "wont_close": N_("does not close"),
    "no_power": N_("no power"),
    "turns_off": N_("turns itself off"),
    "wont_turn_off": N_("does not turn off"),
    "overheating": N_("overheating"),
    "not_heating": N_("does not heat"),
    "error_code": N_("error code"),
    "noise": N_("noise"),
    "smell": N_("smell"),
    "taste": N_("taste"),
    "defective": N_("defective"),
    "broken_part": N_("broken part"),
    "cracked": N_("cracked"),
    "rust_peeling": N_("rust or peeling"),
    "mould": N_("mould"),
    "hazard": N_("safety hazard"),
    "battery_drain": N_("battery drains"),
    "charging": N_("charging"),
    "connectivity": N_("connection"),
    "update": N_("software update"),
    "data_lost": N_("data lost"),
    "login": N_("signing in"),
    "crash": N_("crashes"),
    "slow": N_("slow"),
    "unresponsive": N_("does not respond"),
    "screen_fault": N_("screen fault"),
    "stuck": N_("gets stuck"),
    "clogged": N_("clogged"),
    "weak_performance": N_("weak performance"),
    "navigation": N_("navigation"),
    "cleaning": N_("cleaning"),
    "notifications": N_("notifications"),
    "wont_open": N_("does not open"),
    "drain": N_("draining"),
    "wrong_reading": N_("wrong reading"),
    "loose": N_("loose"),
    "no_sound": N_("no sound"),
    "no_signal": N_("no signal"),
    "payment_failed": N_("payment failed"),
    "charged_twice": N_("charged twice"),
    "refund": N_("refund"),
    "discount_code": N_("discount code"),
    "price": N_("price"),
    "invoice": N_("invoice"),
    "late_delivery": N_("late delivery"),
    "lost_parcel": N_("lost parcel"),
    "damaged_delivery": N_("damaged in delivery"),
    "wrong_item": N_("wrong item"),
    "missing_part": N_("missing part"),
    "cancellation": N_("cancellation"),
    "subscription": N_("subscription"),
    "customer_service_slow": N_("slow customer service"),
    "rude_service": N_("rude service"),
    "warranty": N_("warranty"),
    "returns": N_("returns"),
    "out_of_stock": N_("out of stock"),
}


def fault_name(key: str) -> str:
    """The English name of a fault (a key no table knows, with its underscores as spaces)."""
    return FAULT_NAMES.get(key) or key.replace("_", " ")
