"""Decoders for user-data frames and REST bodies, built once at import.

Rules:
- One ``msgspec.json.Decoder`` per shape, created here once and reused (msgspec perf tips);
  never a decoder per message.
- A user-data frame is either the WebSocket API envelope ``{"subscriptionId": N, "event":
  {...}}`` (web-socket-api.md, Event format), decoded first and in one pass into the
  typed union of ``oms.wire.events``, or a bare event ``{"e": ...}``, which fails that decode and
  is then decoded as itself (the slow path: Binance's WS API always sends the envelope).
- An event type this version does not know becomes ``Unrecognised`` carrying the raw frame;
  it is never an exception. A malformed frame raises ``oms.errors.DecodeError`` naming the
  JSON path of the bad field and keeping the raw bytes. Truncated JSON, nesting too deep
  to decode, invalid UTF-8 in a field we read, and any amount that is not admitted
  (``oms.wire.money.is_amount``: NaN, infinite, negative, ``>= 10**20``, or written with
  more than 8 decimal places, such as ``"1E-999999"``) are malformed; every Decimal field
  is checked, conditional ones when present.
- The executionReport and outboundAccountPosition checks have a fast path (one sum, one
  exponent check) and a slow path that decides and names the field; the fast path only ever
  admits what the slow one admits (tests/core/test_amount_checks.py checks it).
- msgspec's JSON rules also hold: a key we do not read is skipped unchecked, and a repeated
  key takes its last value.
- orjson is never used here: it would turn Binance's decimal strings' neighbours into floats.
"""

from __future__ import annotations

import re
from decimal import Decimal, DecimalException
from decimal import getcontext as _getcontext
from typing import TypeVar, cast, get_args

import msgspec

from oms.errors import DecodeError
from oms.wire.events import (
    BalanceUpdate,
    ExecutionReport,
    ExternalLockUpdate,
    OutboundAccountPosition,
    Unrecognised,
    UserDataEvent,
)
from oms.wire.money import (
    AMOUNT_QUANTUM,
    MAX_AMOUNT,
    ZERO,
    is_amount,
    is_signed_amount,
)
from oms.wire.rest import QueryOrderResponse

__all__ = [
    "KNOWN_EVENT_TYPES",
    "Envelope",
    "check_report",
    "decode_body",
    "decode_user_data",
]

KNOWN_EVENT_TYPES = frozenset(
    {
        "executionReport",
        "outboundAccountPosition",
        "balanceUpdate",
        "externalLockUpdate",
        "listStatus",
        "eventStreamTerminated",
        "serverShutdown",
    }
)


class Envelope(msgspec.Struct, frozen=True, kw_only=True, rename="camel", gc=False):
    """WebSocket API event frame: ``{"subscriptionId": N, "event": {...}}``."""

    subscription_id: int | None = None
    event: UserDataEvent
    # Never in a real envelope: present, the frame is a bare event that merely carries an
    # "event" key, and is decoded as the bare event it is.
    e: object = None


class _Peek(msgspec.Struct):
    """Just enough of a frame to tell its event type when the typed decode fails."""

    e: object = None  # any type: a bare frame with a mistyped "e" is still a bare frame
    event: msgspec.Raw = msgspec.field(default_factory=lambda: msgspec.Raw(b"{}"))


_ENVELOPE = msgspec.json.Decoder(Envelope)
_BARE = msgspec.json.Decoder(UserDataEvent)
_PEEK = msgspec.json.Decoder(_Peek)
# Bound once: the hot path calls these per frame.
_decode_envelope = _ENVELOPE.decode
_decode_bare = _BARE.decode
# The fast amount checks' bounds (see decode_user_data).
_FAST_BOUND = MAX_AMOUNT / 10
_FAST_PRECISION = 28

T = TypeVar("T")


def decode_user_data(raw: bytes) -> UserDataEvent | Unrecognised:
    """Decode one user-data frame, bare or enveloped.

    Returns:
        The typed event, or ``Unrecognised`` for an event type this version does not know.

    Raises:
        DecodeError: malformed JSON, invalid UTF-8, a missing or mistyped field, or an
            amount that is NaN, infinite, negative or beyond 20 digits.
    """
    # The WS API envelope is what Binance sends (web-socket-api.md, Event format): tried first, so
    # an enveloped frame costs one decode and no sniffing. Bare frames take the slow path.
    try:
        envelope = _decode_envelope(raw)
        if envelope.e is not None:  # a bare frame with an "event" key of its own
            raise msgspec.ValidationError("a bare event frame")
        event = envelope.event
    except msgspec.ValidationError as exc:
        other = _decode_not_enveloped(raw, str(exc))
        if isinstance(other, Unrecognised):
            return other
        event = other
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise DecodeError(str(exc), raw=raw) from None
    if type(event) is ExecutionReport:
        # Every amount admitted, inline: this runs for every executionReport. Any doubt ->
        # _check_report, which decides and names the field. With none negative
        # (``is_signed``: no context), the eight always-present amounts are summed with the
        # operators (the thread's context, at least Python's default 28 digits: checked).
        # Below 10**19 such a sum is exact, or silently rounded to an exponent below -8;
        # exact, it keeps the smallest exponent of its terms. So a sum written with exactly
        # 8 places (``same_quantum``: no context) has no term with more, and the bound keeps
        # every term below 10**20. What Binance sends (8 places) takes this path; anything
        # else, NaN and infinities included (they fail ``same_quantum`` or raise in the
        # comparison), and -0, takes the slow path, which decides (-0 is a zero).
        try:
            q = event.quantity
            p = event.price
            lq = event.last_quantity
            z = event.cumulative_quantity
            lp = event.last_price
            n = event.commission
            zq = event.cumulative_quote_quantity
            yq = event.last_quote_quantity
            total = q + p + lq + z + lp + n + zq + yq
            if (
                total.same_quantum(AMOUNT_QUANTUM)
                and total < _FAST_BOUND
                and _getcontext().prec >= _FAST_PRECISION
                and not (
                    q.is_signed()
                    or p.is_signed()
                    or lq.is_signed()
                    or z.is_signed()
                    or lp.is_signed()
                    or n.is_signed()
                    or zq.is_signed()
                    or yq.is_signed()
                )
                and not (
                    # Always sent, and zero unless a stop, iceberg or quote-quantity order: a
                    # zero needs no check (truthiness: no context; NaN is truthy).
                    event.stop_price or event.iceberg_quantity or event.quote_order_quantity
                )
                and (
                    # Conditional (STP, pegs; user-data-stream.md, Order update): absent
                    # from most reports.
                    event.prevented_quantity is None
                    and event.last_prevented_quantity is None
                    and event.prevented_execution_quantity is None
                    and event.prevented_execution_price is None
                    and event.prevented_execution_quote_quantity is None
                    and event.pegged_price is None
                )
            ):
                return event
        except DecimalException:
            pass
        _check_report(event, raw)
    elif type(event) is OutboundAccountPosition:
        try:
            # As for executionReport above: one sum of every free and locked, one check.
            total = ZERO
            for bal in event.balances:
                free, locked = bal.free, bal.locked
                if free.is_signed() or locked.is_signed():
                    break
                total = total + free + locked
            else:
                if (
                    total.same_quantum(AMOUNT_QUANTUM)
                    and total < _FAST_BOUND
                    and _getcontext().prec >= _FAST_PRECISION
                ):
                    return event
        except DecimalException:
            pass
        _check_position(event, raw)
    elif type(event) is BalanceUpdate or type(event) is ExternalLockUpdate:
        _check_finite(event.delta, "$.d", raw)
    return event


def _decode_not_enveloped(raw: bytes, message: str) -> UserDataEvent | Unrecognised:
    """The slow path of ``decode_user_data``: a bare event frame ``{"e": ...}`` is decoded
    as one; anything else fails with the envelope's error (``message``), or is an event
    type this version does not know."""
    try:
        bare = _PEEK.decode(raw).e is not None
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError) as exc:
        # Malformed where the envelope decode had not looked (a skipped field).
        raise DecodeError(str(exc), raw=raw) from None
    except msgspec.ValidationError:  # not a JSON object
        bare = False
    if not bare:
        return _unrecognised_or_raise(raw, message)
    try:
        return _decode_bare(raw)
    except msgspec.ValidationError as exc:
        return _unrecognised_or_raise(raw, str(exc))
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise DecodeError(str(exc), raw=raw) from None


def _reason_and_path(message: str) -> tuple[str, str | None]:
    """Split msgspec's "reason - at `$.path`"; a missing field is named in the path."""
    reason, _, at = message.partition(" - at `")
    path = at.rstrip("`") or None
    missing = _MISSING.fullmatch(reason)
    if missing is not None:
        path = f"{path or '$'}.{missing.group(1)}"
    return reason, path


_MISSING = re.compile(r"Object missing required field `(.+)`")


def _unrecognised_or_raise(raw: bytes, message: str) -> Unrecognised:
    reason, path = _reason_and_path(message)
    try:
        peek = _PEEK.decode(raw)
        kind: object = peek.e
        if kind is None:
            kind = _PEEK.decode(peek.event).e
    except (msgspec.DecodeError, msgspec.ValidationError, UnicodeDecodeError, RecursionError):
        kind = None
    if isinstance(kind, str) and kind not in KNOWN_EVENT_TYPES:
        return Unrecognised(event_type=kind, raw=bytes(raw))
    raise DecodeError(reason, raw=raw, field=path) from None


_is_amount = is_amount


def _decimal_fields(shape: type) -> tuple[tuple[str, str], ...]:
    """(attribute, wire key) of every Decimal field of a Struct type, conditional ones too."""
    return tuple(
        (f.name, f.encode_name)
        for f in msgspec.structs.fields(shape)
        if f.type is Decimal or f.type == (Decimal | None)
    )


_REPORT_AMOUNTS = _decimal_fields(ExecutionReport)


def _check_report(r: ExecutionReport, raw: bytes) -> None:
    # The slow path of decode_user_data's inline check: every amount, the conditional ones
    # when present; names the first bad one. NaN, Infinity or a negative fill would corrupt
    # the order (or raise later, comparing it).
    for name, key in _REPORT_AMOUNTS:
        value = getattr(r, name)
        if value is not None and not _is_amount(value):
            raise DecodeError(f"{value} is not a valid amount", raw=raw, field=f"$.{key}")


def _check_position(event: OutboundAccountPosition, raw: bytes) -> None:
    # The slow path of decode_user_data's inline check: name the first bad amount.
    for i, bal in enumerate(event.balances):
        for key, value in (("f", bal.free), ("l", bal.locked)):
            if not _is_amount(value):
                raise DecodeError(
                    f"{bal.asset} {key} = {value} is not a valid amount",
                    raw=raw,
                    field=f"$.B[{i}].{key}",
                )


def _check_finite(value: Decimal, path: str, raw: bytes) -> None:
    """A signed amount (a balance delta, an 'unavailable' -1): its absolute value admitted."""
    if not is_signed_amount(value):
        raise DecodeError(f"{value} is not a valid amount", raw=raw, field=path)


def check_report(report: object, raw: bytes = b"") -> None:
    """Raise ``DecodeError`` unless every amount of a decoded ``report`` is admitted, as
    ``decode_user_data`` and ``decode_body`` check it (for reports decoded elsewhere, such
    as the journal's entries, written by an older version)."""
    if type(report) is ExecutionReport:
        _check_report(report, raw)
    elif type(report) is OutboundAccountPosition:
        _check_position(report, raw)
    elif type(report) is BalanceUpdate or type(report) is ExternalLockUpdate:
        _check_finite(report.delta, "$.d", raw)
    else:
        _check_amounts(report, "$", raw)


_BODY_DECODERS: dict[object, msgspec.json.Decoder[object]] = {}


def decode_body(raw: bytes, shape: type[T]) -> T:
    """Decode a REST body into ``shape`` (a Struct from ``oms.wire.rest``, or ``list[...]`` of one).

    Decoders are cached per shape, so each is built once.

    Raises:
        DecodeError: the body is not JSON of that shape.
    """
    decoder = _BODY_DECODERS.get(shape)
    if decoder is None:
        decoder = msgspec.json.Decoder(shape)
        _BODY_DECODERS[shape] = decoder
    try:
        body = decoder.decode(raw)
    except msgspec.ValidationError as exc:
        reason, path = _reason_and_path(str(exc))
        raise DecodeError(reason, raw=raw, field=path) from None
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise DecodeError(str(exc), raw=raw) from None
    if not _amounts_ok(body):
        _check_amounts(body, "$", raw)  # the slow pass names the first bad amount
    return cast(T, body)


def _holds_amounts(annotation: object) -> bool:
    """Whether a field of this type can hold a Decimal (itself, in a Struct, a list, ...)."""
    if annotation is Decimal:
        return True
    if isinstance(annotation, type) and issubclass(annotation, msgspec.Struct):
        return True
    return any(_holds_amounts(arg) for arg in get_args(annotation))


_AMOUNT_FIELDS: dict[type, tuple[tuple[str, bool], ...]] = {}


def _amount_fields(shape: type) -> tuple[tuple[str, bool], ...]:
    """(attribute, signed) of the fields of a Struct type that can hold amounts, once per
    type; ``signed``: a negative value means 'unavailable' (``_NEGATIVE_MEANS_UNAVAILABLE``)."""
    names = _AMOUNT_FIELDS.get(shape)
    if names is None:
        names = tuple(
            (f.name, (shape, f.name) in _NEGATIVE_MEANS_UNAVAILABLE)
            for f in msgspec.structs.fields(shape)
            if _holds_amounts(f.type)
        )
        _AMOUNT_FIELDS[shape] = names
    return names


def _amounts_ok(value: object) -> bool:
    """``_check_amounts`` without a path per field, visiting only the fields that can hold
    amounts: True when every amount is admitted (the common case); False sends the body to
    the slow pass, which names the first bad one."""
    kind = type(value)
    if kind is Decimal:
        return _is_amount(value)  # type: ignore[arg-type]
    if isinstance(value, msgspec.Struct):
        for name, signed in _amount_fields(kind):
            field = getattr(value, name)
            if field is None:
                continue
            if signed and type(field) is Decimal:
                if not is_signed_amount(field):
                    return False
            elif not _amounts_ok(field):
                return False
        return True
    if isinstance(value, (list, tuple)):
        return all(_amounts_ok(item) for item in value)
    return True


def _check_amounts(value: object, path: str, raw: bytes) -> None:
    """Every Decimal of a REST body lies in Binance's range [0, 10**20) (rest-api.md, General API
    Information): a NaN, infinite, negative or huge amount from a hostile or broken server would
    corrupt an order or a balance (found by tests/reliability: a myTrades row of qty -Infinity)."""
    if type(value) is Decimal:
        if not _is_amount(value):
            raise DecodeError(f"{value} is not a valid amount", raw=raw, field=path)
    elif isinstance(value, msgspec.Struct):
        shape = type(value)
        for name, wire_name in _field_names(shape):
            field = getattr(value, name)
            if (shape, name) in _NEGATIVE_MEANS_UNAVAILABLE and type(field) is Decimal:
                _check_finite(field, f"{path}.{wire_name}", raw)  # a signed amount
                continue
            _check_amounts(field, f"{path}.{wire_name}", raw)
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            _check_amounts(item, f"{path}[{i}]", raw)


# "Historical orders may show cummulativeQuoteQty < 0, meaning unavailable" (binance-spot-
# api.md rest-api.md, Query order): a negative value there is Binance's, not an error. Nothing in
# the order's state is taken from it (cum_quote is the sum of the fills).
_NEGATIVE_MEANS_UNAVAILABLE = frozenset({(QueryOrderResponse, "cummulative_quote_qty")})

_FIELD_NAMES: dict[type, tuple[tuple[str, str], ...]] = {}


def _field_names(shape: type) -> tuple[tuple[str, str], ...]:
    """(attribute, wire name) of a Struct type's fields, read once per type:
    ``msgspec.structs.fields`` re-evaluates the type annotations on every call."""
    names = _FIELD_NAMES.get(shape)
    if names is None:
        names = tuple((f.name, f.encode_name) for f in msgspec.structs.fields(shape))
        _FIELD_NAMES[shape] = names
    return names
