"""The pages of a list the model holds, and the pages it still wants (no Qt, no database).

A page is ``page_size`` consecutive rows of the current query. ``row(n)`` answers from the
pages held; when row ``n``'s page is missing it returns None (or the row of the page held
before a refresh, see :meth:`PageCache.refill`) and notes the page as *wanted*; a reader
(:class:`~portal_desktop.views.page_reader.PageReader`) takes the wanted pages one by one
with :meth:`take_next` and hands them back with :meth:`store`.

Bounds: at most ``max_pages`` pages are held (least recently used goes first), and at most
``max_pages`` are wanted: when the user drags the scroll bar across a million rows, every
painted position wants its pages, but only the latest few are still on screen when a
reader is free, so older wishes are forgotten. The page after the one just asked for (the
one before when going up) is wanted too, behind the pages on screen: read ahead.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

from portal_desktop.db.paged_rows import FetchStats, Row
from portal_desktop.db.query_spec import ListQuery


class PageCache:
    """The held pages of one query, its row count, and the pages wanted next."""

    def __init__(self, query: ListQuery, *, page_size: int, max_pages: int) -> None:
        if page_size < 1 or max_pages < 1:
            raise ValueError("page_size and max_pages must be at least 1")
        self.page_size = page_size
        self.max_pages = max_pages
        self.query = query  # the query whose rows these are (the one on screen)
        self.total = 0  # rows listed: the count, or the rows seen until it lands
        self.counted = False
        self.stats = FetchStats()
        # Called when a page becomes wanted (the reader schedules a read).
        self.on_want: Callable[[], None] = lambda: None
        self._pages: OrderedDict[int, list[Row]] = OrderedDict()
        self._stale: dict[int, list[Row]] = {}  # pages of before a refresh, shown until re-read
        self._wanted: OrderedDict[int, bool] = OrderedDict()  # page -> read ahead only
        self._loading: set[int] = set()
        self._last = 0  # the page asked for last: which way the user is scrolling

    # --- the rows --------------------------------------------------------------------------

    def row(self, index: int) -> Row | None:
        """Row ``index`` if its page is held (a page of before a refresh will do); if not,
        None, and its page is wanted. None past the end too."""
        if not 0 <= index < self.total:
            return None
        number, at = divmod(index, self.page_size)
        page = self._pages.get(number)
        if number != self._last:
            self._read_ahead(number)
        if page is None:
            self.want(number)
            page = self._stale.get(number)
            if page is None:
                return None
        else:
            self._pages.move_to_end(number)
        return page[at] if at < len(page) else None  # rows deleted since the count

    def held(self, index: int) -> Row | None:
        """Row ``index`` if its page is held and fresh; wants nothing."""
        number, at = divmod(index, self.page_size)
        page = self._pages.get(number) if 0 <= index < self.total else None
        return page[at] if page is not None and at < len(page) else None

    def holds(self, first: int, last: int) -> bool:
        """Whether rows first..last are all held and fresh; the missing pages are wanted."""
        missing = {row // self.page_size for row in range(first, last + 1) if not self.held(row)}
        for number in sorted(missing, reverse=True):
            self.want(number)
        return not missing and first >= 0 and last < self.total

    def page_rows(self, number: int) -> tuple[int, int]:
        """The first and last row of page ``number`` (last < first when it is past the end)."""
        first = number * self.page_size
        return first, min(first + self.page_size, self.total) - 1

    @property
    def cached_pages(self) -> list[int]:
        return list(self._pages)

    @property
    def wanted(self) -> list[int]:
        """The pages waiting for a reader, oldest wish first."""
        return list(self._wanted)

    # --- what to read ------------------------------------------------------------------------

    def want(self, number: int, *, ahead: bool = False) -> None:
        if number in self._pages or number in self._loading:
            return
        if not 0 <= number * self.page_size < self.total:
            return
        self._wanted[number] = ahead and self._wanted.get(number, True)
        self._wanted.move_to_end(number)
        while len(self._wanted) > self.max_pages:
            self._wanted.popitem(last=False)  # asked for long ago: off screen by now
        self.on_want()

    def _read_ahead(self, number: int) -> None:
        step = 1 if number > self._last else -1
        self._last = number
        self.want(number + step, ahead=True)

    def take_next(self) -> int | None:
        """The page to read now (marked as loading): the latest wanted for the screen, else
        the latest wanted ahead; None when nothing is wanted."""
        if not self._wanted:
            return None
        shown = [number for number, ahead in self._wanted.items() if not ahead]
        number = shown[-1] if shown else next(reversed(self._wanted))
        del self._wanted[number]
        self._loading.add(number)
        return number

    def store(self, number: int, page: list[Row]) -> None:
        """A page read for the current query (the reader drops pages of older ones)."""
        self._loading.discard(number)
        self._stale.pop(number, None)
        self._pages[number] = page
        self._pages.move_to_end(number)
        while len(self._pages) > self.max_pages:
            self._pages.popitem(last=False)

    def failed(self, number: int) -> None:
        """Reading page ``number`` failed: wanted again the next time a row of it is."""
        self._loading.discard(number)

    # --- a new query, a new count ------------------------------------------------------------

    def reset(self, query: ListQuery, first: list[Row], *, total: int, counted: bool) -> None:
        """Show another query (or order): its first page, nothing else held or wanted."""
        self.query, self.total, self.counted = query, total, counted
        self._pages.clear()
        self._stale.clear()
        self._forget_wishes()
        self._pages[0] = first
        self._last = 0
        self.want(1, ahead=True)

    def refill(self, first: list[Row], total: int) -> None:
        """The same query read again (other windows changed rows): the first page is new,
        the other pages held are shown until they are read again."""
        self._stale = {**self._stale, **self._pages}
        self._stale = dict(list(self._stale.items())[-self.max_pages :])
        self._pages.clear()
        self._forget_wishes()
        self._pages[0] = first
        self.total, self.counted = total, True
        self.want(1, ahead=True)

    def set_total(self, total: int) -> None:
        self.total, self.counted = total, True
        self.want(1, ahead=True)

    def _forget_wishes(self) -> None:
        self._wanted.clear()
        self._loading.clear()  # the reads under way are for the old rows: dropped
