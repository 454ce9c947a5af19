"""The cancel-replace refusals that carry data: -2021 and -2022 with both results.

Rules (rest-api.md, Cancel an Existing Order and Send a New Order, "Response"):
- -2022 "Order cancel-replace failed." (HTTP 400): the new order was not placed; -2021 "Order
  cancel-replace partially failed." (HTTP 409): exactly one of the cancel and the new order
  happened. The body's ``data`` holds ``cancelResult`` / ``newOrderResult`` and both answers;
  it is decoded into ``CancelReplaceFailed.answer`` so the caller can apply what did happen.
- A body whose ``data`` does not decode still gives ``CancelReplaceFailed`` (answer None): the
  caller then queries the two orders, as after any unknown.
"""

from __future__ import annotations

import msgspec

from oms.errors import CancelReplaceFailed
from oms.wire.amends import CancelReplaceFailure
from oms.wire.rest import ErrorBody

__all__ = ["CANCEL_REPLACE_CODES", "cancel_replace_error"]

CANCEL_REPLACE_CODES = frozenset({-2021, -2022})
_FAILURE = msgspec.json.Decoder(CancelReplaceFailure)


def cancel_replace_error(status: int, raw: bytes, body: ErrorBody) -> CancelReplaceFailed:
    try:
        answer: object = _FAILURE.decode(raw).data
    except (msgspec.DecodeError, msgspec.ValidationError):
        answer = None
    return CancelReplaceFailed(body.code, body.msg, http_status=status, answer=answer)
