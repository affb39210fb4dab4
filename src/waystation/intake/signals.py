"""Doors for the apps above intake to answer what intake cannot decide itself, without
intake importing them (the layers run one way: cases imports intake, never the reverse):

- ``checking_need_to_know(user=..., case_id=...)``: sent when the staff side reads or
  answers a request that became a case (``HelpRequest.case_id``). Such a request is the
  case's, and who may see a case is the cases app's to decide (``cases.receivers``). A
  receiver returns True or False; no receiver at all, or any False, is a refusal, so a
  request behind a case is never shown on intake's word alone.
"""

from django.dispatch import Signal

checking_need_to_know = Signal()
