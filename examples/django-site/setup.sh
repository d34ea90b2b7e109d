#!/usr/bin/env bash
# Makes .venv beside this script and installs the pinned requirements into it.
set -euo pipefail
cd "$(dirname "$0")"
python3 -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
