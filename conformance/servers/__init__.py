"""Example external implementations: in-process adapters served over the protocol.

``python -m conformance.servers.reference`` is the reference implementation as a JSON-lines
server; ``python -m conformance.servers NAME`` serves any in-process adapter. They show a
tool author what a conforming server does, and the protocol tests run them.
"""
