"""A loopback TCP proxy that delays every byte by a fixed time in each direction.

    with LatencyProxy(("127.0.0.1", 5432), round_trip_ms=50) as proxy:
        url = f"postgresql://postgres@127.0.0.1:{proxy.port}/db"

The delay is half the round trip each way: a request and its answer together take
``round_trip_ms`` longer, as over a network with that ping. Each direction of each
connection has a queue of (due time, chunk): a reader puts every chunk it receives with the
time it may leave, a writer sends them in order once due. So the delay is added once per
chunk without serialising the stream: a chunk that arrives while an earlier one waits
leaves right after it, as on a real wire, instead of waiting a delay of its own after it.

The proxy runs an asyncio loop on a daemon thread; ``start()`` returns once it listens.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from types import TracebackType

CHUNK = 65536


class LatencyProxy:
    """Forwards 127.0.0.1:``port`` to ``upstream``, ``round_trip_ms`` / 2 late each way."""

    def __init__(self, upstream: tuple[str, int], round_trip_ms: float) -> None:
        if round_trip_ms < 0:
            raise ValueError(f"the latency must be 0 ms or more (got {round_trip_ms})")
        self.upstream = upstream
        self.one_way = round_trip_ms / 2000
        self.port = 0
        self.connections = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self) -> int:
        """Listen on a free loopback port (returned, also in ``port``)."""
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._listen(), self._loop)
        self.port = future.result(timeout=10)
        return self.port

    def stop(self) -> None:
        if not self._thread.is_alive():
            return
        asyncio.run_coroutine_threadsafe(self._close(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    def __enter__(self) -> LatencyProxy:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # --- on the proxy's thread -------------------------------------------------------------

    async def _listen(self) -> int:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        return int(self._server.sockets[0].getsockname()[1])

    async def _close(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _accept(
        self, client_in: asyncio.StreamReader, client_out: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self.connections += 1
        writers = [client_out]
        try:
            server_in, server_out = await asyncio.open_connection(*self.upstream)
            writers.append(server_out)
            await asyncio.gather(
                self._pipe(client_in, server_out), self._pipe(server_in, client_out)
            )
        except (OSError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass  # either end went away, or the proxy stops: close both
        finally:
            for writer in writers:
                writer.close()
            self._tasks.discard(task)

    async def _pipe(self, source: asyncio.StreamReader, target: asyncio.StreamWriter) -> None:
        """Copy ``source`` to ``target``, each chunk leaving ``one_way`` after it came."""
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

        async def receive() -> None:
            while True:
                try:
                    data = await source.read(CHUNK)
                except OSError:
                    data = b""
                await queue.put((loop.time() + self.one_way, data))
                if not data:
                    return

        async def send() -> None:
            while True:
                due, data = await queue.get()
                wait = due - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                if not data:  # the source closed: pass the end on
                    with contextlib.suppress(OSError):
                        if target.can_write_eof():
                            target.write_eof()
                    return
                target.write(data)
                await target.drain()

        await asyncio.gather(receive(), send())
