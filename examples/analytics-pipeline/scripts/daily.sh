#!/usr/bin/env bash
# The daily job: refresh the venv, build the dbt models, then run the pipeline.
set -euo pipefail
export PIP_REQUIRE_VIRTUALENV=true
source .venv/bin/activate
pipwarden update
dbt build --profiles-dir .
python -m pipeline.load
