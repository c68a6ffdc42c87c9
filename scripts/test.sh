#!/usr/bin/env bash
# Install everything the tests need, then run the whole suite (unit, integration with the
# real embedded model, and the browser tests). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh --test
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
exec .venv/bin/python -m pytest "$@"
