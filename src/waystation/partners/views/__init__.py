"""Partners' pages, one module of views per area."""
