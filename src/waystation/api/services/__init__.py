"""Actions of the API app, one module per topic (``tokens``). Each runs in one
transaction with its audit entry inside and raises an error whose message is for the
person who tried."""
