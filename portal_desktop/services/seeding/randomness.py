"""Seeded randomness: weighted picks and UUIDv7 keys made from a ``random.Random``.

Everything the seeder draws comes from one ``random.Random(seed)``, in a fixed order, so the
same seed (and the same ``today``) gives the same rows, keys included.
"""

from __future__ import annotations

import random
import uuid
from bisect import bisect
from collections.abc import Sequence
from itertools import accumulate
from typing import Generic, TypeVar

T = TypeVar("T")

_VERSION_7 = 0x7 << 76
_VARIANT_RFC = 0b10 << 62
_RAND_B_MASK = (1 << 62) - 1


class Picker(Generic[T]):
    """Pick one of ``items`` with the given weights; faster than ``random.choices`` per call."""

    __slots__ = ("_cumulative", "_items", "_last", "_total")

    def __init__(self, items: Sequence[T], weights: Sequence[float]) -> None:
        if len(items) != len(weights) or not items:
            raise ValueError("a picker needs as many weights as items, and at least one")
        self._items = tuple(items)
        self._cumulative = tuple(accumulate(weights))
        self._total = self._cumulative[-1]
        self._last = len(self._items) - 1

    @classmethod
    def of(cls, pairs: Sequence[tuple[T, float]]) -> Picker[T]:
        return cls([item for item, _ in pairs], [weight for _, weight in pairs])

    def pick(self, rng: random.Random) -> T:
        index = bisect(self._cumulative, rng.random() * self._total)
        return self._items[min(index, self._last)]


class IdMaker:
    """Time-ordered version-7 UUIDs: the row's timestamp plus 74 bits from the seeded RNG."""

    __slots__ = ("_bits",)

    def __init__(self, rng: random.Random) -> None:
        self._bits = rng.getrandbits

    def __call__(self, epoch_us: int) -> uuid.UUID:
        bits = self._bits(74)
        value = (
            ((epoch_us // 1000) << 80)
            | _VERSION_7
            | ((bits >> 62) << 64)
            | _VARIANT_RFC
            | (bits & _RAND_B_MASK)
        )
        return uuid.UUID(int=value)
