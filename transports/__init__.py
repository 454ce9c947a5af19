"""Transports: the I/O side of oms. Each implements ``oms.runtime.ports.Transport``."""
