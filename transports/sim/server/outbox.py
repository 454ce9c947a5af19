"""One WebSocket connection's outgoing frames: a bounded queue and the one task writing them.

Rules:
- Every frame of a connection goes through its queue and is written by ``write_loop``, so
  frames never interleave and keep their order.
- The queue is bounded (``queue_frames``; 0 is unbounded): a client that stops reading is
  cut off (the socket aborted) once that many frames wait, as Binance disconnects slow
  consumers (web-socket-streams.md, WebSocket Limits), so the server's memory stays flat.
- ``close_after_queue`` closes with GOING_AWAY after what was queued before it; nothing is
  queued after it.
- The queue is a deque the writer task waits on through one future, made only when the queue
  is empty: a frame costs an append, not a ``Queue.put`` with its wake-up machinery.
  ``send_framed`` takes a frame already wrapped by ``text_frame``, so a stream event sent to
  many subscribers is framed once (``send`` frames its payload itself).
- Frames waiting together are written with one ``transport.write`` (one system call instead
  of one per frame, the cost that dominated a busy fan-out): each is a complete unmasked text
  frame of RFC 6455 §5.2, never compressed (RSV1 clear, valid with or without
  permessage-deflate), so it never interleaves with aiohttp's own control frames (pings,
  close), which are written whole as well. Past ``_HIGH_WATER`` buffered bytes the writer
  waits for the socket to drain, so a slow reader backs up into the bounded queue.
"""

from __future__ import annotations

import asyncio
from collections import deque

from aiohttp import WSCloseCode, web

__all__ = ["Outbox", "text_frame"]

_CLOSE = b""  # sentinel in the queue: close the socket after what came before
_BATCH = 256
_HIGH_WATER = 1 << 16
_DRAIN_POLL = 0.005


def text_frame(payload: bytes) -> bytes:
    """One final, unmasked text frame (RFC 6455 §5.2: FIN + opcode 1, then the length)."""
    size = len(payload)
    if size < 126:
        return bytes((0x81, size)) + payload
    if size < 1 << 16:
        return bytes((0x81, 126)) + size.to_bytes(2, "big") + payload
    return bytes((0x81, 127)) + size.to_bytes(8, "big") + payload


class Outbox:
    """The send side of one WebSocket connection (see the module rules)."""

    def __init__(
        self, ws: web.WebSocketResponse, request: web.Request, queue_frames: int = 0
    ) -> None:
        self.ws = ws
        self.request = request
        self.frames: deque[bytes] = deque()
        self.limit = queue_frames
        self.closed = False
        self._waiter: asyncio.Future[None] | None = None

    def send(self, payload: bytes) -> None:
        self.send_framed(text_frame(payload))

    def send_framed(self, frame: bytes) -> None:
        """Queue ``frame`` (from ``text_frame``); a full queue loses the connection."""
        if not self.closed:
            self._put(frame)

    def _put(self, frame: bytes) -> None:
        if self.limit and len(self.frames) >= self.limit:
            self.drop()
            return
        self.frames.append(frame)
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def drop(self) -> None:
        """Lose the connection abruptly: no close handshake."""
        self.closed = True
        transport = self.request.transport
        if transport is not None:
            transport.abort()

    async def _batch(self) -> list[bytes]:
        """The next frames, up to ``_BATCH``, waiting for one when there are none."""
        frames = self.frames
        while not frames:
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        return [frames.popleft() for _ in range(min(len(frames), _BATCH))]

    async def write_loop(self) -> None:
        """Send queued frames in order, in batches; the close sentinel closes the socket."""
        try:
            while True:
                batch = await self._batch()
                closing = _CLOSE in batch
                if closing:
                    batch = batch[: batch.index(_CLOSE)]
                if batch and not await self._write(batch):
                    self.closed = True
                    return
                if closing:
                    self.closed = True
                    await self.ws.close(code=WSCloseCode.GOING_AWAY)
                    return
        except (ConnectionError, RuntimeError):
            self.closed = True

    async def _write(self, batch: list[bytes]) -> bool:
        """Write ``batch`` and wait below the high-water mark; False when the socket is gone."""
        transport = self.request.transport
        if transport is None or transport.is_closing():
            return False
        transport.write(b"".join(batch))
        while transport.get_write_buffer_size() > _HIGH_WATER:
            if transport.is_closing():
                return False
            await asyncio.sleep(_DRAIN_POLL)
        return True

    def close_after_queue(self) -> None:
        if self.closed:
            return
        self._put(_CLOSE)
        self.closed = True
