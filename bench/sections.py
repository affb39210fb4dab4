"""Every benchmark module. A new one (public intake throughput, queue pages, ...) is
imported here; its sections join the registry, run in their ``order``, and
``python -m bench <name>`` runs them alone."""

from bench import (  # noqa: F401  (imported to register sections)
    api,
    backups,
    cases,
    dashboard,
    docfigures,
    dossiers,
    estimation,
    intake,
    matching,
    pageweight,
    records,
    referrals,
    rotation,
    vault,
)
from bench.harness import REGISTRY, ordered

__all__ = ["REGISTRY", "ordered"]
