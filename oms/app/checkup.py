"""``oms config check``: the settings as resolved (secrets masked), then whether the exchange
answers, how far its clock is, and whether the key may trade.

Rules: nothing is placed and no journal is opened; every check is one row with OK, WARN or
FAIL; the exit status is 0 only when no check FAILs.
"""

from __future__ import annotations

import json
import os
from typing import Any

from oms.app.failures import CliError, explain
from oms.app.render import table
from oms.app.settings import masked

__all__ = ["config_check"]

SHOWN = (
    "OMS_ENV",
    "OMS_REST_URL",
    "OMS_WS_API_URL",
    "OMS_API_KEY",
    "OMS_API_SECRET",
    "OMS_PRIVATE_KEY_PATH",
    "OMS_RECV_WINDOW_MS",
    "OMS_STREAM_AUTH",
    "OMS_ORDER_API",
)


def config_check(args: Any) -> int:
    from oms.app.loop import run_loop  # noqa: PLC0415
    from oms.app.session import load  # noqa: PLC0415

    session = load(args)
    config = session.config
    rows = [
        {"check": "setting", "name": "OMS_ENV", "value": config.environment.value, "result": ""},
        {"check": "setting", "name": "OMS_REST_URL", "value": config.rest_url, "result": ""},
        {"check": "setting", "name": "OMS_WS_API_URL", "value": config.ws_api_url, "result": ""},
    ]
    for name in SHOWN[3:]:
        value = session.values.get(name, "").strip()
        if value:
            rows.append({"check": "setting", "name": name, "value": masked(name, value)})
    default = " (default for this environment)" if session.journal_is_default else ""
    exists = "" if os.path.isfile(session.journal) else ", not created yet"
    rows.append(
        {"check": "setting", "name": "OMS_JOURNAL", "value": session.journal + default + exists}
    )
    rows += run_loop(_probe(session))
    failed = any(r.get("result") == "FAIL" for r in rows)
    if args.json:
        print(json.dumps(rows))
    else:
        print(table(rows, ("check", "name", "value", "result")))
    return 1 if failed else 0


async def _probe(session: Any) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    client = session.client()
    try:
        try:
            probe = await client.probe(min(5.0, session.remaining()))
        except Exception as exc:
            rows.append(_fail("reachable", session.config.rest_url, exc, session))
            return rows
        rows.append(
            {
                "check": "reachable",
                "name": session.config.rest_url,
                "value": f"answered in {probe.round_trip_ms} ms",
                "result": "OK",
            }
        )
        window = session.config.recv_window_ms
        offset = probe.offset_ms
        rows.append(
            {
                "check": "clock",
                "name": "offset (server - local)",
                "value": f"{offset:+d} ms (OMS_RECV_WINDOW_MS {window})",
                "result": "OK" if abs(offset) < window / 2 else "WARN",
            }
        )
        try:
            account = await client.get_account(omit_zero_balances=True)
        except Exception as exc:
            rows.append(_fail("key", "GET /api/v3/account", exc, session))
            return rows
        rights = ", ".join(account.permissions) or "none"
        rows.append(
            {
                "check": "key",
                "name": f"account {account.uid}",
                "value": f"can trade: {'yes' if account.can_trade else 'no'} ({rights})",
                "result": "OK" if account.can_trade else "FAIL",
            }
        )
    finally:
        await client.close()
    return rows


def _fail(check: str, name: str, exc: BaseException, session: Any) -> dict[str, str]:
    error: CliError = explain(exc, session.where)
    return {"check": check, "name": name, "value": str(error), "result": "FAIL"}
