"""oms.testing: fuzz your own trading code against an exchange that lies.

- ``oms.testing.strategies``: hypothesis strategies for valid order specs under a symbol's
  filters, Binance event histories, delivery faults and fault configurations.
- ``oms.testing.oracle``: what a manager believes, checked against the simulated exchange.
- ``oms.testing.sim``: order requests, funded exchanges with a market maker, a manager over
  the simulated exchange (``sim_order_manager``), ``settle`` until the stream caught up.
- ``oms.testing.plugin``: the pytest plugin (fixtures ``sim_exchange``, ``order_manager``,
  ``local_exchange``), registered through the ``pytest11`` entry point.

Install with ``pip install 'oms[test]'``: hypothesis and pytest are only needed here, and
importing ``oms`` never loads this package.
"""
