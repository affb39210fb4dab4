"""See the package docstring of ``waystation.documentation``."""
