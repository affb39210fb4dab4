"""Reproducible benchmarks for Waystation: ``make bench`` or ``python -m bench``.

Benchmarks measure and never assert. Every figure is printed next to a baseline measured
in the same run on the same machine, so a ratio means something even on a slow laptop.

Layout:

- :mod:`bench.harness`: the registry of sections, the set-up of one database backend
  (fresh database, migrations, an unsealed vault), timing helpers and :class:`Row`.
- :mod:`bench.table`: machine information and the one table that is printed.
- :mod:`bench.vault`, :mod:`bench.records`: the sections themselves.
- :mod:`bench.__main__`: the command line. Each database backend runs in a child
  process of its own (settings are read once per process), and the parent prints one
  table with the rows of all of them.

A later benchmark adds a module with functions decorated by
:func:`bench.harness.benchmark` and imports it in :mod:`bench.sections`.
"""
