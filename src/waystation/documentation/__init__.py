"""Documentation and testimony: what was done to people, from which sources, how well
each account is corroborated, and how many people no list saw (docs/documentation.md).

Built so far: the estimator of how many people no list saw (``estimation``: multiple
systems estimation over matched lists) with its command, ``waystation estimate``, and
the corroboration rule (``corroboration``: Admiralty grades, independence groups and
the levels). Both read grades and counts, never persons, and store nothing. The record
itself (``models``: events, acts, persons, perpetrators, sources and their citations;
lists of persons and the matches between them) is sealed as ``models`` says, and
``services``, ``selectors``, ``views`` and ``forms`` hold one module per topic.

The record (``services.record``, ``services.record_files``, ``selectors.record``,
``views.record``): events and what is in them, recorded by documentation officers and
read by whoever holds ``documentation.read_events``; a person or an account taken from
a case is sealed with the case's key, shown only to those who may see the case, and
forgotten when it is shredded (``receivers``, on the cases app's
``erasing_case_indexes``). The level stored on an event and on each act is
``corroboration.level`` of its citations, computed again after every change to them.

Layer: above partners (a partner's list will be one of the lists), below the API and
the top apps. It follows the cases app's need to know (``cases.selectors.visibility``)
for every person and source linked to a case.

Face (what other apps may import; ``tests/test_architecture.py`` holds them to it):
``estimation`` (the table, the estimate and their errors) and ``corroboration`` (the
grades and the rule).
"""

FACE = {
    "corroboration": "*",
    # What the demo organisation records through (the same services as the pages).
    "services.record": [
        "ActDetails",
        "EventDetails",
        "FromCase",
        "PersonDetails",
        "SourceDetails",
        "add_act",
        "add_from_case",
        "add_perpetrator",
        "add_person",
        "add_source",
        "record_event",
    ],
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
    ],
}
