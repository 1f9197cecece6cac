#!/usr/bin/env bash
# Installs pipwarden for @@project_name from ONE pinned source; written by `pipwarden init`.
# The dev container, CI and you all run this script, so the pin lives here and only here.
#
# Why pinned: the name "pipwarden" is not registered on PyPI, so installing it by the bare
# name would install whatever someone registers under that name one day, and a branch or
# a tag can be moved to other code. A commit id or a file hash names exactly one content:
# the supply-chain rule pipwarden checks in your project applies to pipwarden too.
# To move to another pipwarden: `pipwarden init --force --pipwarden-source SPEC` (or edit
# the pin below in a reviewed commit).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PIP_DISABLE_PIP_VERSION_CHECK=1

@@pipwarden_install
