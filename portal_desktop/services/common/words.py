"""Words people read instead of codes: enum labels ("Closed won", not CLOSED_WON) and counts
with the right noun ("1 row", "2 rows"). Plain Python, shared by services (messages, exports,
the audit trail) and views (portal_desktop.views.formatting re-exports enum_label)."""

from __future__ import annotations

# Words that are not plain English when title-cased.
ENUM_WORDS = {
    "PIF": "PIF",
    "DM": "DM",
    "PAYPAL": "PayPal",
    "YOUTUBE": "YouTube",
    "TIKTOK": "TikTok",
}

# Whole words whose label says more than their parts (payments_queries.Owing).
ENUM_LABELS = {"NOT_OWED": "Not owed (cancelled)"}


def enum_label(word: str) -> str:
    """``CLOSED_WON`` → "Closed won", ``DM_SETTER`` → "DM setter", ``PIF`` → "PIF"."""
    if word in ENUM_LABELS:
        return ENUM_LABELS[word]
    parts = [ENUM_WORDS.get(part, part.lower()) for part in word.split("_")]
    first = parts[0]
    return " ".join([first[:1].upper() + first[1:], *parts[1:]])


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """``1 row``, ``2 rows``, ``1,234 rows``; ``nouns`` for irregular plurals."""
    many = nouns if nouns is not None else f"{noun}s"
    return f"{count:,} {noun if count == 1 else many}"
