"""Reading cases, one module per topic. Every query takes the acting user and returns
only what that user may see, as decided in one place: :mod:`.visibility`.

Callers import the topic module (``from waystation.cases.selectors import case_file``);
this package re-exports nothing.
"""
