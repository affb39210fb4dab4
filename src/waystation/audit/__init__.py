"""The audit log: a hash-chained record of who did what to which object, written inside
each action's own transaction, and the check of the chain (with its external anchors).

Layer: the lowest. It imports no other app, so every app can record into it.

Face (what other apps may import; ``tests/test_architecture.py`` holds them to it):
``services`` (``record`` an entry, ``verify_chain``).
"""

FACE = {"services": "*"}
