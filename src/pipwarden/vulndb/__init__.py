"""The local vulnerability database: OSV records, PyPI range matching, SQLite store, updates.

Submodules (imported on demand, so that ``import pipwarden.vulndb`` stays cheap):

* :mod:`pipwarden.vulndb.osv` - OSV records as frozen dataclasses; parsed by
  :mod:`~pipwarden.vulndb.osvparse`, stored in the form of :mod:`~pipwarden.vulndb.compact`.
* :mod:`pipwarden.vulndb.cvss` - CVSS v3 base scores.
* :mod:`pipwarden.vulndb.ranges` - OSV evaluation for PyPI, floor-audit primitives.
* :mod:`pipwarden.vulndb.matching` - the store's matching data (sort keys) and its evaluation.
* :mod:`pipwarden.vulndb.store` - the SQLite store (:class:`VulnStore`).
* :mod:`pipwarden.vulndb.update` - imports from zips, folders and URLs; conditional updates,
  built on :mod:`~pipwarden.vulndb.reading`, :mod:`~pipwarden.vulndb.ziparchive`,
  :mod:`~pipwarden.vulndb.build` and :mod:`~pipwarden.vulndb.download`.
"""

from __future__ import annotations

__all__ = ["cvss", "osv", "ranges", "store", "update"]
