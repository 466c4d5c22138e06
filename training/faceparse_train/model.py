"""SegFormer models: the paper's b0..b5 configurations or any custom SegformerConfig, from
scratch or starting from a checkpoint in the Hugging Face layout."""

from __future__ import annotations

import json
from pathlib import Path

from transformers import SegformerConfig, SegformerForSemanticSegmentation

# Xie et al. 2021, table 6 / the mit-b* checkpoints' configs.
ARCHITECTURES = {
    "b0": dict(hidden_sizes=[32, 64, 160, 256], depths=[2, 2, 2, 2], decoder_hidden_size=256),
    "b1": dict(hidden_sizes=[64, 128, 320, 512], depths=[2, 2, 2, 2], decoder_hidden_size=256),
    "b2": dict(hidden_sizes=[64, 128, 320, 512], depths=[3, 4, 6, 3], decoder_hidden_size=768),
    "b3": dict(hidden_sizes=[64, 128, 320, 512], depths=[3, 4, 18, 3], decoder_hidden_size=768),
    "b4": dict(hidden_sizes=[64, 128, 320, 512], depths=[3, 8, 27, 3], decoder_hidden_size=768),
    "b5": dict(hidden_sizes=[64, 128, 320, 512], depths=[3, 6, 40, 3], decoder_hidden_size=768),
}
COMMON = dict(
    num_attention_heads=[1, 2, 5, 8],
    sr_ratios=[8, 4, 2, 1],
    mlp_ratios=[4, 4, 4, 4],
    patch_sizes=[7, 3, 3, 3],
    strides=[4, 2, 2, 2],
)


def segformer_config(arch: str, labels: list[str], overrides: dict | None = None) -> SegformerConfig:
    """`arch` is b0..b5 or a path to a JSON file of SegformerConfig fields."""
    if arch in ARCHITECTURES:
        fields = {**COMMON, **ARCHITECTURES[arch]}
    elif Path(arch).is_file():
        fields = json.loads(Path(arch).read_text())
    else:
        raise ValueError(f"unknown architecture {arch!r}: use b0..b5 or a JSON file of SegformerConfig fields")
    fields.update(overrides or {})
    return SegformerConfig(
        num_labels=len(labels),
        id2label={i: name for i, name in enumerate(labels)},
        label2id={name: i for i, name in enumerate(labels)},
        semantic_loss_ignore_index=255,
        **fields,
    )


def require_weights(folder: Path, use: str = "--init-from") -> None:
    """Refuse a model folder without PyTorch weights, saying how to get them (`use` names where they go)."""
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder} is not a folder: pass a model folder in the Hugging Face layout")
    if not any(
        (folder / f).exists() for f in ("model.safetensors", "model.safetensors.index.json", "pytorch_model.bin")
    ):
        hint = (
            f"recover them from its ONNX file with `python -m faceparse_train.from_onnx {folder} --out runs/recovered`, then {use} runs/recovered"
            if (folder / "onnx").is_dir()
            else "pass a folder written by save_pretrained or faceparse_train.export"
        )
        raise FileNotFoundError(f"{folder} has no PyTorch weights (model.safetensors): {hint}")


def build_model(arch: str, labels: list[str], init_from: str | None = None, overrides: dict | None = None):
    if init_from:
        folder = Path(init_from)
        if folder.is_dir():  # a hub id is left to from_pretrained
            require_weights(folder)
        # Start from a trained checkpoint (e.g. a face parser fine-tuned on new data); a new label
        # set replaces the classifier only.
        return SegformerForSemanticSegmentation.from_pretrained(
            init_from,
            num_labels=len(labels),
            id2label={i: name for i, name in enumerate(labels)},
            label2id={name: i for i, name in enumerate(labels)},
            ignore_mismatched_sizes=True,
            **(overrides or {}),
        )
    return SegformerForSemanticSegmentation(segformer_config(arch, labels, overrides))
