"""Doors for apps built on cases (relocation, documentation) to join two moments that
cases own, without cases importing them:

- ``checking_overdue(now=...)``: sent inside :func:`services.alerts.check_overdue`'s
  transaction. A receiver raises its own deadline alerts (travel legs, expiring
  documents) and returns how many it raised.
- ``erasing_case_indexes(case=...)``: sent inside a shred's transaction, before the
  case's data key is destroyed. A receiver erases the blind indexes its rows hold for
  that case (a keyed digest of a passport number stays testable after the key is gone).
- ``collecting_timeline(case=..., user=...)``: sent while a case is opened for one reader
  (``selectors.case_file.open_case``, under its ``case.opened`` audit entry). A receiver
  returns a list of ``selectors.timeline.TimelineEntry`` for its own rows of that case
  (referrals to partners and their states), which the case's timeline then shows.
- ``collecting_approvals(user=...)``: sent for the alerts page. A receiver returns a list
  of ``selectors.alerts.WaitingDecision`` for its own rows waiting for a second person
  that this user may decide on (payments), on cases the user may see.
"""

from django.dispatch import Signal

checking_overdue = Signal()
erasing_case_indexes = Signal()
collecting_timeline = Signal()
collecting_approvals = Signal()
