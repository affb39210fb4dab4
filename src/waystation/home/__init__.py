"""The staff home page: what needs this member of staff now, as counts with links to
the pages that list them (``selectors.home_for``; docs/casework.md#the-home-page).

Layer: near the top, above status (administrators see its checks instead of case
counts) and every app with work waiting (intake's queue, cases, relocation's payments,
partners' referrals and keys), below demo. It reads them only through their faces, and
every count through their scoped selectors, so it shows nothing its member may not see.
The URLconf wires its page.

Face (what other apps may import; ``tests/test_architecture.py`` holds them to it):
``selectors`` (``home_for``, ``Home``), for a later API endpoint. Nothing imports it today.
"""

FACE = {"selectors": ["Home", "home_for"]}
