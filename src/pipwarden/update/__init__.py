"""``pipwarden update``: upgrade the project venv eagerly, report what changed, then audit.

The flow, in order:

1. find the project's venv (``.venv`` by default) or create it; refuse anything that is not a
   venv (no ``pyvenv.cfg``): pip only ever runs as ``<venv>/bin/python -m pip`` with
   ``PIP_REQUIRE_VIRTUALENV=true`` exported in its environment;
2. snapshot the venv from its metadata on disk (:mod:`pipwarden.snapshots`);
3. upgrade pip, then ``pip install --upgrade --upgrade-strategy eager`` of every
   requirements file and of ``[project].dependencies`` of pyproject.toml. The dependencies
   are *listed* (written to ``.pipwarden/pyproject-requirements.txt``) rather than installed
   with ``-e .``: that keeps the project's own build backend out of the daily routine, works
   with ``--no-index`` and never runs project code;
4. a cooldown (``--cooldown 3d`` or policy ``cooldown``) keeps out every release uploaded
   after the cutoff: pip's ``--uploaded-prior-to`` when the venv's pip has it (26.0 and later,
   index only), else a constraints file excluding the too-new releases of every direct and
   transitive package, computed from PyPI upload times; afterwards every installed version is
   checked against the cutoff;
5. snapshot again, diff, look up PyPI data (held back, yanked, maintainers), vet packages that
   are new in the tree, run the ``[update] after`` hooks (with ``--run-hooks``), audit the
   venv.

pip's output goes to ``.pipwarden/logs/update-<time>.log`` (its ``--log`` debug log next to
it). pip runs with ``--timeout``/``--retries`` and one total deadline for the run. A failed
pip run raises :class:`PipFailedError` (exit 3 for an index pip could not reach, which pip
itself only logs at debug level and otherwise ignores, or for the deadline; exit 2 when pip
rejects the requirements) after putting the venv back as it was: ``restore-<time>.txt``
(``name==version`` lines and the project's index options) is written before pip runs and
reinstalled ``--no-deps`` with the same index options; what the run added is uninstalled.
``--rebuild`` moves the old venv aside to ``<venv>.previous``, creates a new one in place
and puts the old one back when anything fails.

Trust: the project's config may not pick a venv outside the project (``--venv`` from the
user may), its ``after`` hooks run only with ``--run-hooks``, and the index options of its
requirement files are reported. An audit that cannot run fails the update ("not checked").

The package, one module per concern (this module only re-exports):

- :mod:`~pipwarden.update.models`: options, report data, :class:`PipFailedError`;
- :mod:`~pipwarden.update.pypidata`: PyPI answers, release times, the cooldown closure;
- :mod:`~pipwarden.update.plan`: which venv, requirement files and hooks; held back, major
  bumps, the cooldown check;
- :mod:`~pipwarden.update.piprunner`: running pip within the deadline;
- :mod:`~pipwarden.update.restore`: putting the venv back after a failure;
- :mod:`~pipwarden.update.execute`: :func:`run_update`, the steps in order;
- :mod:`~pipwarden.update.review`: after the upgrade: changes, PyPI checks, vetting of new
  packages, hooks and the audit (where advice on the upgraded venv belongs).
"""

from __future__ import annotations

from pipwarden.update.execute import run_update
from pipwarden.update.models import (
    DEFAULT_DEADLINE,
    AuditSummary,
    Change,
    Concern,
    CooldownResult,
    HeldBack,
    HookResult,
    OwnershipChange,
    PipFailedError,
    UpdateOptions,
    UpdateReport,
    YankedInstall,
    display_text,
)
from pipwarden.update.piprunner import UPLOADED_PRIOR_TO_PIP, venv_python
from pipwarden.update.piprunner import _Pip as _Pip  # for the tests
from pipwarden.update.plan import (
    configured_hooks,
    find_held_back,
    is_major_bump,
    release_notes_url,
    reportable_held_back,
    verify_cooldown,
)
from pipwarden.update.pypidata import (
    ProjectData,
    available_versions,
    release_times,
)
from pipwarden.update.review import _audit as _audit  # for the tests

__all__ = [
    "DEFAULT_DEADLINE",
    "UPLOADED_PRIOR_TO_PIP",
    "AuditSummary",
    "Change",
    "Concern",
    "CooldownResult",
    "HeldBack",
    "HookResult",
    "OwnershipChange",
    "PipFailedError",
    "ProjectData",
    "UpdateOptions",
    "UpdateReport",
    "YankedInstall",
    "available_versions",
    "configured_hooks",
    "display_text",
    "find_held_back",
    "is_major_bump",
    "release_notes_url",
    "release_times",
    "reportable_held_back",
    "run_update",
    "venv_python",
    "verify_cooldown",
]
