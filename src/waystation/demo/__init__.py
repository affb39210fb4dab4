"""The demo organisation: fictional staff, teams, cases and relocations, made through the
real services, for demo installations only.

Layer: the top. It builds on every app below and nothing imports it.

Face: none.
"""

FACE: dict[str, object] = {}
