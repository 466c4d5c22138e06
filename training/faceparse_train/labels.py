"""Label sets: CelebAMask-HQ's 19 classes by default, or any list from a JSON file."""

from __future__ import annotations

import json
from pathlib import Path

CELEBAMASK_HQ_LABELS = [
    "background",
    "skin",
    "nose",
    "eye_g",
    "l_eye",
    "r_eye",
    "l_brow",
    "r_brow",
    "l_ear",
    "r_ear",
    "mouth",
    "u_lip",
    "l_lip",
    "hair",
    "hat",
    "ear_r",
    "neck_l",
    "neck",
    "cloth",
]

# The 18 parts of the original CelebAMask-HQ release, in the standard merge order: each part's
# mask overwrites the ones before it (class id = position + 1, 0 = background).
CELEBAMASK_HQ_PARTS = CELEBAMASK_HQ_LABELS[1:]


def load_labels(path: str | None) -> list[str]:
    """A JSON list of names, or an object with `id2label` (a config.json), or the default set."""
    if not path:
        return list(CELEBAMASK_HQ_LABELS)
    data = json.loads(Path(path).read_text())
    if isinstance(data, dict) and "id2label" in data:
        id2label = data["id2label"]
        return [id2label[str(i)] for i in range(len(id2label))]
    if isinstance(data, list) and all(isinstance(x, str) for x in data):
        return data
    raise ValueError(f"{path}: expected a JSON list of label names or a config with id2label")


def left_right_pairs(labels: list[str]) -> list[tuple[int, int]]:
    """Class-id pairs a horizontal flip swaps: `l_x`/`r_x` and `left_x`/`right_x` by name.

    `neck_l` (necklace) and `ear_r` (earring) are not sides: only prefixes count.
    """
    index = {name.lower(): i for i, name in enumerate(labels)}
    pairs = []
    for i, name in enumerate(labels):
        lower = name.lower()
        for left, right in (("l_", "r_"), ("left_", "right_")):
            if lower.startswith(left):
                j = index.get(right + lower[len(left) :])
                if j is not None:
                    pairs.append((i, j))
    return pairs


def flip_lookup(labels: list[str]) -> list[int]:
    """lookup[c] = the class c becomes after a horizontal flip."""
    table = list(range(len(labels)))
    for i, j in left_right_pairs(labels):
        table[i], table[j] = j, i
    return table


# Names taken for the background class (compared in lower case). `faceparse eval` keeps the same list
# (src/eval/runner.ts, BACKGROUND_NAMES); tests/eval/runner.test.ts fails if the two differ.
BACKGROUND_NAMES = ("background", "bg", "none", "_background_")


def background_id(labels: list[str]) -> int:
    """The background class: the first named background, bg, none or _background_ (any case), else class 0.

    `faceparse eval` uses the same names (src/eval/runner.ts, defaultBackgroundIndex)."""
    for i, name in enumerate(labels):
        if name.lower() in BACKGROUND_NAMES:
            return i
    return 0
