#!/usr/bin/env bash
# The data of tests/core/photoParity.test.ts, made here rather than downloaded: a random-weight
# SegFormer-B0 (make_random_models.py: the real B0 architecture, 512 input, ONNX + safetensors) and the
# reference pipeline's label maps of the shared photos (reference_labels.py), under DIR:
#   DIR/random-models/b0/   DIR/reference/b0/<photo stem>.labels.png
#
#     bash training/golden/make_photo_parity.sh [DIR]     # default $FACEPARSE_PARITY_DIR, else ~/.cache/faceparse
#
# Needs the training venv (bash training/setup.sh). Without ../shared/data/photos there is nothing to
# compare and it says so and exits 0 (the test skips, saying the same). .ci/run runs it before npm test.
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=${1:-${FACEPARSE_PARITY_DIR:-$HOME/.cache/faceparse}}
photos=../shared/data/photos
py=training/.venv/bin/python
if [ ! -x "$py" ]; then
  echo "make_photo_parity: no training venv at $py; run bash training/setup.sh first" >&2
  exit 1
fi
if [ ! -d "$photos" ]; then
  echo "make_photo_parity: $photos is absent: no photos to compare, the photo parity test skips"
  exit 0
fi
mapfile -t images < <(find "$photos" -maxdepth 1 -type f \( -iname '*.jpg' -o -iname '*.jpeg' -o -iname '*.png' \) | sort)
"$py" training/golden/make_random_models.py --arch b0 --out "$dir/random-models/b0"
rm -rf "$dir/reference/b0"
"$py" training/golden/reference_labels.py --model "$dir/random-models/b0" --out "$dir/reference/b0" "${images[@]}"
echo "make_photo_parity: ${#images[@]} photos, model and reference labels in $dir"
