"""The audit log: a hash-chained record of who did what to which object, written inside
each action's own transaction, and the check of the chain (with its external anchors).

Layer: the lowest. It imports no other app, so every app can record into it.

Face (what other apps may import; ``tests/test_architecture.py`` holds them to it):
``services`` (``record`` an entry, ``verify_chain``), and
``verification.chain_head`` (the head, the newest anchor and whether anchoring keeps
up, in a few queries: for the status checks).
"""

FACE = {"services": "*", "verification": ["ChainHead", "chain_head"]}
