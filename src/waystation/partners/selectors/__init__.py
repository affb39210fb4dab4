"""Partners' reads, scoped to what the acting user may see."""
