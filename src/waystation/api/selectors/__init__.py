"""Reads of the API app, one module per topic (``tokens``)."""
