"""Small stand-ins for asyncio.Queue and asyncio.Event, for what every idle board stream holds.

Measured with 1,000 idle boards in one worker (issue 21, memory per idle stream): each stream held
twelve `collections.deque`s — 760 bytes each even when empty (a deque allocates its first block
of 64 slots at once) — four in each asyncio.Queue (items, getters, putters, and its `_finished`
Event's waiters) and one in each asyncio.Event: the stream's own queue and the WebSocket
protocol's receive queue and `writable` Event alone were ~7 KiB per board, for queues that are
empty nearly always. These keep nothing while empty and idle but one future for the one waiting
consumer; the storage is created when something arrives and dropped when it is taken.

Only the part of asyncio's API the streams and uvicorn's WebSocket protocol use.
"""

from __future__ import annotations

import asyncio
from collections import deque


def _wait(waiters: list[asyncio.Future] | None) -> tuple[list[asyncio.Future], asyncio.Future]:
    waiter = asyncio.get_running_loop().create_future()
    if waiters is None:
        waiters = []
    waiters.append(waiter)
    return waiters, waiter


def _without(waiters: list[asyncio.Future] | None, waiter: asyncio.Future) -> list[asyncio.Future] | None:
    if waiters is not None and waiter in waiters:
        waiters.remove(waiter)
    return waiters or None


class Mailbox:
    """FIFO of `maxsize` items (0: unbounded): put_nowait, get_nowait, await get, empty, qsize.
    Raises asyncio.QueueFull / asyncio.QueueEmpty as asyncio.Queue does."""

    __slots__ = ("maxsize", "_items", "_waiters")

    def __init__(self, maxsize: int = 0):
        self.maxsize = maxsize
        self._items: deque | None = None
        self._waiters: list[asyncio.Future] | None = None

    def empty(self) -> bool:
        return not self._items

    def qsize(self) -> int:
        return len(self._items) if self._items else 0

    def put_nowait(self, item) -> None:
        items = self._items
        if items is None:
            items = self._items = deque()
        elif self.maxsize and len(items) >= self.maxsize:
            raise asyncio.QueueFull
        items.append(item)
        self._wake_one()

    def get_nowait(self):
        items = self._items
        if not items:
            raise asyncio.QueueEmpty
        item = items.popleft()
        if not items:
            self._items = None
        return item

    async def get(self):
        while not self._items:
            self._waiters, waiter = _wait(self._waiters)
            try:
                await waiter
            except BaseException:
                # Cancelled (a timeout) after being woken: the wake-up goes to the next consumer.
                if self._items and waiter.done() and not waiter.cancelled():
                    self._waiters = _without(self._waiters, waiter)
                    self._wake_one()
                raise
            finally:
                self._waiters = _without(self._waiters, waiter)
        return self.get_nowait()

    def _wake_one(self) -> None:
        for waiter in self._waiters or ():
            if not waiter.done():
                waiter.set_result(None)
                return


class Flag:
    """asyncio.Event's set / clear / is_set / await wait, with no storage while set or unwaited."""

    __slots__ = ("_value", "_waiters")

    def __init__(self, value: bool = False):
        self._value = value
        self._waiters: list[asyncio.Future] | None = None

    def is_set(self) -> bool:
        return self._value

    def set(self) -> None:
        self._value = True
        waiters, self._waiters = self._waiters, None
        for waiter in waiters or ():
            if not waiter.done():
                waiter.set_result(True)

    def clear(self) -> None:
        self._value = False

    async def wait(self) -> bool:
        if self._value:
            return True
        self._waiters, waiter = _wait(self._waiters)
        try:
            return await waiter
        finally:
            self._waiters = _without(self._waiters, waiter)
