"""One WebSocket connection's outgoing frames: a bounded queue and the one task writing them.

Rules:
- Every frame of a connection goes through its queue and is written by ``write_loop``, so
  frames never interleave and keep their order.
- The queue is bounded (``queue_frames``; 0 is unbounded): a client that stops reading is
  cut off (the socket aborted) once that many frames wait, as Binance disconnects slow
  consumers (web-socket-streams.md, WebSocket Limits), so the server's memory stays flat.
- ``close_after_queue`` closes with GOING_AWAY after what was queued before it; nothing is
  queued after it.
"""

from __future__ import annotations

import asyncio

from aiohttp import WSCloseCode, WSMsgType, web

__all__ = ["Outbox"]

_CLOSE = b""  # sentinel in the queue: close the socket after what came before


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
        """Send queued frames in order; the close sentinel closes the socket."""
        try:
            while True:
                frame = await self.queue.get()
                if frame is _CLOSE:
                    self.closed = True
                    await self.ws.close(code=WSCloseCode.GOING_AWAY)
                    return
                await self.ws.send_frame(frame, WSMsgType.TEXT)
        except (ConnectionError, RuntimeError):
            self.closed = True

    def close_after_queue(self) -> None:
        if self.closed:
            return
        try:
            self.queue.put_nowait(_CLOSE)
        except asyncio.QueueFull:
            self.drop()
        self.closed = True
