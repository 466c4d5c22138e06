#!/usr/bin/env bash
# ruff on training/ (run by `npm run lint`): the linter, and the formatter's check, with training/ruff.toml.
set -euo pipefail
cd "$(dirname "$0")"
ruff=.venv/bin/ruff
if [ ! -x "$ruff" ]; then
  echo "lint: no ruff in training/.venv; run bash training/setup.sh (it installs requirements.txt, ruff included)" >&2
  exit 1
fi
"$ruff" check .
"$ruff" format --check .
