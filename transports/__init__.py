"""Transports: the I/O side of oms. Each implements ``transports.base.Transport``."""
