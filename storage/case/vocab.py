"""The values Filature writes in the case format's vocabulary columns.

Readers accept any text in these columns (a case may come from another tool); these tuples
are what our generator and importers write, what the docs list, and the order views use.
"""

from __future__ import annotations

EVENT_KINDS = (
    "ad_posted",
    "price_list",
    "message",
    "video_call",
    "test_purchase",
    "payment",
    "parcel_posted",
    "tracking_scan",
    "delivery",
    "courier_round",
    "review",
    "account_created",
    "account_closed",
    "account_migrated",
    "search",
    "seizure",
    "arrest",
    "customs_detention",
    "judicial_decision",
    "other",
)

PRECISIONS = (
    "microsecond",
    "second",
    "minute",
    "hour",
    "day",
    "month",
    "year",
    "range",
    "millisecond",
)
"""``range`` means: somewhere between ``ts_min`` and ``ts_max`` ("the afternoon of ...").
``millisecond`` (a timeline exported from another tool wrote three digits) comes last so the
codes of the others stay as synthetic cases and caches have them."""

PRECISION_SPAN_US = {
    "microsecond": 1,
    "millisecond": 1_000,
    "second": 1_000_000,
    "minute": 60_000_000,
    "hour": 3_600_000_000,
    "day": 86_400_000_000,
}
"""Width of the uncertainty a precision implies when no explicit bounds are stored."""

BOUNDED_PRECISIONS = ("range", "hour", "day", "month", "year")
"""Precisions a single instant cannot say: an exchange format without bounds (Timesketch)
gets the first instant plus ``ts_min``/``ts_max`` and :data:`EXPORTED_PRECISION_KEY`."""
EXPORTED_PRECISION_KEY = "filature_precision"

ACTOR_ROLES = (
    "head",
    "seller",
    "logistician",
    "courier",
    "supplier",
    "customer",
    "investigator",
    "operator",
    "third_party",
    "unknown",
)

IDENTIFIER_KINDS = ("account", "pseudonym", "phone", "email", "wallet", "iban", "ip", "other")

ATTRIBUTION_KINDS = ("uses", "owns", "registered_to")
"""``registered_to``: the identifier is in someone's name (e.g. a stolen phone number)."""

PLATFORM_KINDS = ("social", "messaging", "forum", "market", "carrier", "bank", "crypto", "other")

PLACE_KINDS = ("country", "city", "address", "pickup_point", "hub", "border", "other")

PLACE_PRECISIONS = ("country", "region", "city", "street", "exact")

EXHIBIT_KINDS = (
    "screenshot",
    "chat_export",
    "phone_extraction",
    "statement",
    "bank_statement",
    "crypto_statement",
    "parcel_record",
    "seizure_report",
    "undercover_report",
    "other",
)

SHIPMENT_STATUSES = ("announced", "sent", "in_transit", "delivered", "seized", "returned", "lost")

RELATION_KINDS = (
    "supplier_of",
    "works_for",
    "same_person_as",
    "member_of",
    "customer_of",
    "associate_of",
)
