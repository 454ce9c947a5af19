"""The oracle: what a manager believes, checked against what the simulated exchange knows.

Rules:
- Reads the exchange through its public API, except ``exchange_orders``, which enumerates
  every order ever placed (closed ones included) to count executions per client id;
  nothing in the manager is patched.
- ``safety_violations`` must hold at every step, faults or not; ``discrepancies`` must be
  empty once faults stop and a reconciliation has run.
- Needs neither hypothesis nor pytest (the simulator's report uses it too).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from decimal import Decimal

from oms.core.order import Order
from oms.core.state import TERMINAL_STATES, OrderState
from oms.runtime.manager import OrderManager
from oms.wire.enums import OrderStatus
from transports.sim.book import SimOrder
from transports.sim.exchange import SimExchange

__all__ = ["discrepancies", "exchange_orders", "safety_violations"]

_Z = Decimal(0)


def exchange_orders(exchange: SimExchange, account: str) -> list[SimOrder]:
    """Every order ``account`` ever had on the exchange, closed ones included."""
    markets = exchange._markets  # the oracle needs closed orders too; no public listing
    return [o for m in markets.values() for o in m.orders.values() if o.account == account]


def safety_violations(
    manager: OrderManager,
    exchange: SimExchange,
    account: str,
    seen_states: dict[str, OrderState],
) -> list[str]:
    """What must hold at every step, faults or not (``seen_states`` carries over steps)."""
    found: list[str] = []
    ours = exchange_orders(exchange, account)
    per_cid = Counter(o.client_order_id for o in ours)
    found += [f"{cid} executed {n} times" for cid, n in per_cid.items() if n > 1]
    by_cid = {o.client_order_id: o for o in ours}
    trades: dict[tuple[str, int], Order] = {}
    for order in manager.orders():
        cid = order.client_order_id
        if order.quantity is not None and order.filled > order.quantity:
            found.append(f"{cid} filled {order.filled} > quantity {order.quantity}")
        if sum((f.quantity for f in order.fills.values()), _Z) != order.filled:
            found.append(f"{cid} fills do not add up to filled {order.filled}")
        for trade_id in order.fills:
            other = trades.setdefault((order.symbol, trade_id), order)
            if other is not order:
                found.append(
                    f"trade {order.symbol}:{trade_id} in {cid} and {other.client_order_id}"
                )
        before = seen_states.get(cid)
        if before in TERMINAL_STATES and order.state is not before:
            found.append(f"{cid} left terminal {before.name} for {order.state.name}")
        seen_states[cid] = order.state
        remote = by_cid.get(cid)
        if remote is not None and order.filled > remote.executed:
            found.append(f"{cid} filled {order.filled} > exchange's {remote.executed}")
        found += _fills_exist(exchange, account, order)
    return found


def _fills_exist(exchange: SimExchange, account: str, order: Order) -> list[str]:
    if not order.fills or order.order_id is None:
        return []
    real = {t.id: t for t in exchange.my_trades(account, order.symbol, order_id=order.order_id)}
    found = []
    for trade_id, fill in order.fills.items():
        trade = real.get(trade_id)
        if trade is None or (trade.qty, trade.price) != (fill.quantity, fill.price):
            found.append(f"{order.client_order_id} fill {trade_id} is not the exchange's")
    return found


def discrepancies(manager: OrderManager, exchange: SimExchange, account: str) -> list[str]:
    """After faults stop and a reconciliation: everything must equal the exchange."""
    found: list[str] = []
    remote = {o.client_order_id: o for o in exchange_orders(exchange, account)}
    for order in manager.orders():
        if order.client_order_id not in remote and order.state is not OrderState.REJECTED:
            found.append(f"{order.client_order_id} is {order.state.name}, exchange never had it")
    fees: dict[tuple[str, str], Decimal] = {}
    for cid, sim in remote.items():
        tracked = manager.order(cid)
        if tracked is None:
            found.append(f"exchange order {cid} unknown to the manager")
            continue
        order = tracked
        found += _compare_order(order, sim)
        trades = exchange.my_trades(account, sim.symbol, order_id=sim.order_id, limit=1000)
        mine = {
            tid: (f.quantity, f.price, f.commission, f.commission_asset)
            for tid, f in order.fills.items()
        }
        theirs = {t.id: (t.qty, t.price, t.commission, t.commission_asset) for t in trades}
        if mine != theirs:
            found.append(f"{cid} fills {sorted(mine)} != exchange trades {sorted(theirs)}")
        if order.fees != _trade_fees(theirs.values()):
            found.append(f"{cid} fees {order.fees} != {_trade_fees(theirs.values())}")
        for _, _, commission, asset in theirs.values():
            fees[(sim.symbol, asset)] = fees.get((sim.symbol, asset), _Z) + commission
    for symbol, position in manager.positions_by_symbol().items():
        for asset, amount in position.fees.items():
            if fees.get((symbol, asset), _Z) != amount:
                found.append(
                    f"position {symbol} fees {asset} {amount} != {fees.get((symbol, asset))}"
                )
    found += _compare_balances(manager, exchange, account)
    return found


def _compare_order(order: Order, sim: SimOrder) -> list[str]:
    found = []
    cid = order.client_order_id
    if order.state.value != sim.status.value:
        found.append(f"{cid} state {order.state.name} != exchange {sim.status.value}")
    if order.filled != sim.executed or order.executed_qty != sim.executed:
        found.append(f"{cid} filled {order.filled}/{order.executed_qty} != {sim.executed}")
    if order.cum_quote != sim.cum_quote:
        found.append(f"{cid} cum quote {order.cum_quote} != {sim.cum_quote}")
    if sim.status is OrderStatus.FILLED and order.quantity != sim.orig_qty:
        found.append(f"{cid} quantity {order.quantity} != {sim.orig_qty}")
    return found


def _trade_fees(trades: Iterable[tuple[Decimal, Decimal, Decimal, str]]) -> dict[str, Decimal]:
    fees: dict[str, Decimal] = {}
    for _, _, commission, asset in trades:
        fees[asset] = fees.get(asset, _Z) + commission
    return fees


def _compare_balances(manager: OrderManager, exchange: SimExchange, account: str) -> list[str]:
    found = []
    mine = manager.balances()
    for row in exchange.account_info(account).balances:
        if mine.get(row.asset) != (row.free, row.locked):
            found.append(f"balance {row.asset} {mine.get(row.asset)} != {row.free}/{row.locked}")
    return found
