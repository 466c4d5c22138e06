#!/usr/bin/env bash
# One command: the training venv at training/.venv with the pinned requirements.
# On machines whose pip points at an unreachable index first, PIP_INDEX_URL can name the mirror.
set -euo pipefail
cd "$(dirname "$0")"
python3 -m venv .venv
.venv/bin/python -m pip install --disable-pip-version-check -q -r requirements.txt
.venv/bin/python -c "import torch, transformers, onnxruntime; print('training venv ready:', torch.__version__, transformers.__version__, onnxruntime.__version__)"
