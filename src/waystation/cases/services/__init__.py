"""Actions on cases, one module per topic. Each runs in one transaction with its audit
entry inside, checks who may take it, and raises :class:`~.common.CaseError` with a
message for the person who tried.

Who may act on a case is decided in two steps: the case must be visible to the actor
(``selectors.visibility.visible_cases``; otherwise
:class:`~waystation.cases.selectors.visibility.CaseNotFound`, exactly as for a case that
does not exist), and the actor's role must hold the action's permission. Functions taking
``actor_id`` instead of ``user`` are for the system itself (demo data, imports, commands)
and check nothing.

Callers import the topic module (``from waystation.cases.services import stages``); this
package re-exports nothing.
"""
