"""Partners' forms, built and checked in views."""
