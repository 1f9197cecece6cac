#!/usr/bin/env bash
# Daily routine for @@project_name, written by `pipwarden init` (template: @@template).
# Run it by hand, from the IDE task on folder open, and in CI:
#   1. refuse any pip install outside a virtual environment;
#   2. create .venv when it is missing;
#   3. upgrade pip, then every requirement and its whole tree (eager) and report what changed;
#   4. scan for known vulnerabilities;
#   5. the template's own steps.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

export PIP_REQUIRE_VIRTUALENV=true
export PIP_DISABLE_PIP_VERSION_CHECK=1

if [ ! -x .venv/bin/python ]; then
  echo "creating .venv"
  python3 -m venv .venv
fi

.venv/bin/python -m pip install --upgrade pip

if command -v pipwarden >/dev/null 2>&1; then
  # upgrades eagerly, reports upgrades/new packages/majors, then audits the venv
  pipwarden update .
else
  echo "pipwarden is not installed (pipx install pipwarden): plain pip upgrade, then audit"
  .venv/bin/python -m pip install --upgrade --upgrade-strategy eager -r requirements.txt
  if command -v pipx >/dev/null 2>&1; then
    pipx run pipwarden audit --path .venv
  else
    echo "skipping the vulnerability scan: install pipx, then pipx install pipwarden" >&2
  fi
fi

@@template_steps
