"""Documentation and testimony: what was done to people, from which sources, how well
each account is corroborated, and how many people no list saw (docs/documentation.md).

This first part is the estimator of how many people no list saw (``estimation``:
multiple systems estimation over matched lists) and its command, ``waystation
estimate``. It reads tables of counts, never persons, and stores nothing. The record of
events, acts, persons and sources is built on it next.

Layer: above partners (a partner's list will be one of the lists), below the API and
the top apps. It imports no other app.

Face (what other apps may import; ``tests/test_architecture.py`` holds them to it):
``estimation`` — the table, the estimate and their errors.
"""

FACE = {
    "estimation": [
        "ASSUMPTIONS",
        "CaptureTable",
        "Criterion",
        "Estimate",
        "NotEstimable",
        "Search",
        "TableError",
        "estimate",
        "read_capture_table",
    ]
}
