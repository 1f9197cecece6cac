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
# where scripts/install_pipwarden.sh links pipwarden when pipx is not used (last: an
# installation already on PATH wins)
export PATH="$PATH:$HOME/.local/bin"

if [ ! -x .venv/bin/python ]; then
  echo "creating .venv"
  python3 -m venv .venv
fi

.venv/bin/python -m pip install --upgrade pip

scanned=yes
if command -v pipwarden >/dev/null 2>&1; then
  # upgrades eagerly, reports upgrades/new packages/majors, then audits the venv
  pipwarden update .
else
  echo "pipwarden is not installed: plain pip upgrade, no vulnerability scan" >&2
  .venv/bin/python -m pip install --upgrade --upgrade-strategy eager -r requirements.txt
  scanned=no
fi

@@template_steps

if [ "$scanned" = no ]; then
  # not checked is not clean: fail, and say how to install pipwarden from its pin
  echo "NOT CHECKED for known vulnerabilities: run  bash scripts/install_pipwarden.sh" >&2
  exit 3
fi
