"""Relocation: a case's plan, legs and travel documents, safe houses and stays, money
(programmes, budgets, exchange rates, payments), and the numbers managers need.

Layer: above cases, whose need to know it follows (``cases.selectors.visibility``) and
whose moments it joins through ``cases.signals`` (``receivers``); below demo.

Face (what other apps may import; ``tests/test_architecture.py`` holds them to it): the
services of each area (``services.travel``, ``documents``, ``houses``, ``money``) and the
choices of ``models`` they are called with; the demo builds its organisation with them.
The API reads a case's legs and documents as the relocation page does, through
``selectors.travel.open_relocation`` (one ``case.opened`` audit entry). The home page
counts the payments waiting for one person (``selectors.waiting``).
"""

FACE = {
    "models": ["BudgetCategory", "DocumentKind", "DocumentStatus", "Pathway", "TransportMode"],
    "selectors.documents": ["ShownDocument"],
    "selectors.travel": ["RelocationFile", "ShownLeg", "open_relocation"],
    "selectors.waiting": ["payments_waiting_for"],
    "services.documents": "*",
    "services.houses": "*",
    "services.money": "*",
    "services.travel": "*",
}
