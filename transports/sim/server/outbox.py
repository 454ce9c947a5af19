"""One WebSocket connection's outgoing frames: a bounded queue and the one task writing them.

Rules:
- Every frame of a connection goes through its queue and is written by ``write_loop``, so
  frames never interleave and keep their order.
- The queue is bounded (``queue_frames``; 0 is unbounded): a client that stops reading is
  cut off (the socket aborted) once that many frames wait, as Binance disconnects slow
  consumers (web-socket-streams.md, WebSocket Limits), so the server's memory stays flat.
- ``close_after_queue`` closes with GOING_AWAY after what was queued before it; nothing is
  queued after it.
- Frames waiting together are written with one ``transport.write`` (one system call instead
  of one per frame, the cost that dominated a busy fan-out): each is a complete unmasked text
  frame of RFC 6455 §5.2, never compressed (RSV1 clear, valid with or without
  permessage-deflate), so it never interleaves with aiohttp's own control frames (pings,
  close), which are written whole as well. Past ``_HIGH_WATER`` buffered bytes the writer
  waits for the socket to drain, so a slow reader backs up into the bounded queue.
"""

from __future__ import annotations

import asyncio

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
        self.queue: asyncio.Queue[bytes] = asyncio.Queue(maxsize=queue_frames)
        self.closed = False

    def send(self, frame: bytes) -> None:
        if self.closed:
            return
        try:
            self.queue.put_nowait(frame)
        except asyncio.QueueFull:
            self.drop()

    def drop(self) -> None:
        """Lose the connection abruptly: no close handshake."""
        self.closed = True
        transport = self.request.transport
        if transport is not None:
            transport.abort()

    async def write_loop(self) -> None:
        """Send queued frames in order, in batches; the close sentinel closes the socket."""
        try:
            while True:
                batch = [await self.queue.get()]
                while len(batch) < _BATCH and not self.queue.empty():
                    batch.append(self.queue.get_nowait())
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
        transport.write(b"".join([text_frame(frame) for frame in batch]))
        while transport.get_write_buffer_size() > _HIGH_WATER:
            if transport.is_closing():
                return False
            await asyncio.sleep(_DRAIN_POLL)
        return True

    def close_after_queue(self) -> None:
        if self.closed:
            return
        try:
            self.queue.put_nowait(_CLOSE)
        except asyncio.QueueFull:
            self.drop()
        self.closed = True
