"""The installation's status, for the people who run it: sealed or not, the key agent's
workers, the oldest request waiting for an answer, the last backup, cases due for
shredding, the audit chain's head. One list of checks (``checks``) read three ways:
``waystation status`` (text or ``--json``, exit code for timers), the administrators'
page (``/status/``), and ``/health`` (only "sealed" and "ok", for monitoring).

Layer: near the top, below demo only. It reads the apps below through their faces (the
vault's status, the audit head, the intake's unanswered requests); the URLconf wires its
pages.

Face (what other apps may import; ``tests/test_architecture.py`` holds them to it): the
checks' results (``checks.run_checks``, ``Report``, ``Finding``, ``health``, ``Health``),
for the demo's own start-up lines or a later API endpoint. Nothing imports them today.
"""

FACE = {"checks": ["Finding", "Health", "Report", "health", "run_checks"]}
