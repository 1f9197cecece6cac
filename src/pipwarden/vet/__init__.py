"""``vet``: names in, one :class:`PackageReport` per package out, with signals and a verdict.

The orchestration fetches everything the checks need (PyPI JSON and simple API through a
pool, the dependency closure, advisories from the local database, optional GitHub facts),
builds a :class:`~pipwarden.checks.PackageContext` per package and runs the registered
checks. Nothing here prints; :mod:`pipwarden.report.vet` renders the result.
"""

from pipwarden.vet.inputs import (
    direct_requests,
    exact_version,
    parse_request,
    requests_from_file,
)
from pipwarden.vet.models import VERDICT_LABELS, PackageReport, VetReport, VetRequest
from pipwarden.vet.resolve import latest_compatible, newest_admitted, requirements_of
from pipwarden.vet.vetter import Vetter

__all__ = [
    "VERDICT_LABELS",
    "PackageReport",
    "VetReport",
    "VetRequest",
    "Vetter",
    "direct_requests",
    "exact_version",
    "latest_compatible",
    "newest_admitted",
    "parse_request",
    "requests_from_file",
    "requirements_of",
]
