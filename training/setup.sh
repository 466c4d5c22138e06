#!/usr/bin/env bash
# One command: the training venv at training/.venv with the pinned requirements.
# It works with the public index and with a machine's local package mirror: when pip's configuration
# names file:// mirrors (pip config list) and the public index cannot be reached, the mirrors become
# the index, so pip does not wait on an index it cannot reach. PIP_INDEX_URL, when set, wins.
set -euo pipefail
cd "$(dirname "$0")"
[ -x .venv/bin/python ] || python3 -m venv .venv
args=()
if [ -z "${PIP_INDEX_URL:-}" ]; then
  mirrors=$(python3 -m pip config list 2>/dev/null | sed -n "s/^global\.extra-index-url='\(.*\)'$/\1/p" | tr ' ' '\n' | grep '^file://' || true)
  if [ -n "$mirrors" ] && ! python3 -c "import urllib.request; urllib.request.urlopen('https://pypi.org/simple/pip/', timeout=5)" 2>/dev/null; then
    first=$(echo "$mirrors" | head -n 1)
    args+=(--index-url "$first")
    for m in $(echo "$mirrors" | tail -n +2); do args+=(--extra-index-url "$m"); done
    echo "setup.sh: the public index is out of reach; installing from the local mirror $first"
  fi
fi
.venv/bin/python -m pip install --disable-pip-version-check -q "${args[@]}" -r requirements.txt
.venv/bin/python -c "import torch, transformers, onnxruntime; print('training venv ready:', torch.__version__, transformers.__version__, onnxruntime.__version__)"
