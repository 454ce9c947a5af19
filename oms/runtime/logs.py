"""Structured logs: one JSON object per record, order ids as fields, never a secret.

Rules:
- The manager and transports log through ``logging`` with ids in ``extra`` (e.g.
  ``client_order_id``, ``order_id``, ``symbol``); ``JsonFormatter`` writes each record as one
  JSON line with those fields, so logs can be searched by order.
- Only plain fields are written: the standard record attributes are dropped, values that are
  not JSON types are written with ``str``. Nothing here adds data: a secret never reaches a
  log record in the first place (transports hold keys in ``Secret`` wrappers).
- ``configure_logging`` is what the ``oms`` command uses; an embedding application keeps its
  own logging setup and may install ``JsonFormatter`` on its handlers.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import msgspec

__all__ = ["JsonFormatter", "configure_logging"]

_STANDARD = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", (), None)).keys() | {"message", "asctime", "taskName"}
)
_ENCODER = msgspec.json.Encoder(enc_hook=str, decimal_format="string")


class JsonFormatter(logging.Formatter):
    """Format a record as one JSON line: time, level, logger, message and its ``extra``."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time_ms": int(record.created * 1000),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                data[key] = value
        if record.exc_info and record.exc_info[1] is not None:
            data["error"] = f"{type(record.exc_info[1]).__name__}: {record.exc_info[1]}"
        return _ENCODER.encode(data).decode()


class OneLineFormatter(logging.Formatter):
    """Plain single-line records, ``extra`` fields appended as key=value; no tracebacks."""

    def format(self, record: logging.LogRecord) -> str:
        record.exc_text = None
        exc, record.exc_info = record.exc_info, None
        try:
            text = super().format(record)
        finally:
            record.exc_info = exc
        extras = [
            f"{k}={v}"
            for k, v in vars(record).items()
            if k not in _STANDARD and not k.startswith("_")
        ]
        if exc and exc[1] is not None:
            extras.append(f"error={type(exc[1]).__name__}: {exc[1]}")
        return " ".join([text.replace("\n", " "), *extras])


def configure_logging(level: str = "WARNING", *, json: bool = False) -> None:
    """Send every record to stderr as one line (JSON when ``json``) at ``level``."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter() if json else OneLineFormatter("oms: %(levelname)s %(name)s: %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    level = level.upper()
    root.setLevel(level if level in logging.getLevelNamesMapping() else "WARNING")
    # transitions logs every connection state change at INFO; keep it for DEBUG runs.
    if root.level > logging.DEBUG:
        logging.getLogger("transitions").setLevel(logging.WARNING)
