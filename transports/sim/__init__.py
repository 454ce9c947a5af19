"""The simulated Binance Spot exchange: a pure synchronous core and its transports.

``SimExchange`` (``exchange.py``) is the engine; ``SimTransport`` (``transport.py``) puts
it behind ``oms.runtime.ports.Transport``; ``FaultInjector`` (``faults.py``) misbehaves on
purpose, seeded; ``liquidity.py`` and ``replay.py`` move the market.
"""
