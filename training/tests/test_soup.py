import sys
import tempfile
import unittest
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from faceparse_train.soup import main, soup  # noqa: E402


def state(value: float, ema: bool = False, extra: str | None = None) -> dict:
    weights = {"w": torch.full((2, 2), value), "steps": torch.tensor(int(value))}
    if extra:
        weights[extra] = torch.zeros(1)
    out = {"config": {"name": f"c{value:g}"}, "model": {k: v * 0 for k, v in weights.items()}, "optimizer": {"lr": 1}}
    if ema:
        out["ema"] = weights
    else:
        out["model"] = weights
    return out


class SoupTest(unittest.TestCase):
    def test_weighted_mean_of_the_weights_export_loads(self):
        # The first checkpoint's EMA weights count, not its raw ones (export.py loads the EMA).
        out = soup([state(1.0, ema=True), state(4.0)], [2, 1])
        self.assertTrue(torch.allclose(out["model"]["w"], torch.full((2, 2), 2.0)))
        self.assertEqual(int(out["model"]["steps"]), 4)  # integer counters are the last checkpoint's
        self.assertEqual(out["config"], {"name": "c4"})
        self.assertNotIn("ema", out)
        self.assertNotIn("optimizer", out)

    def test_other_architectures_and_bad_shares_are_refused(self):
        with self.assertRaisesRegex(ValueError, "not one architecture"):
            soup([state(1.0, extra="head"), state(2.0)], [1, 1])
        with self.assertRaisesRegex(ValueError, "positive"):
            soup([state(1.0), state(2.0)], [1, 0])
        with self.assertRaisesRegex(ValueError, "two or more"):
            soup([state(1.0)], [1])

    def test_the_command_writes_a_checkpoint_with_its_parts(self):
        with tempfile.TemporaryDirectory() as tmp:
            a, b, out = Path(tmp, "a.pt"), Path(tmp, "b.pt"), Path(tmp, "soup", "final.pt")
            torch.save(state(1.0), a)
            torch.save(state(3.0), b)
            main([str(a), str(b), "--out", str(out)])
            written = torch.load(out, weights_only=False)
            self.assertTrue(torch.allclose(written["model"]["w"], torch.full((2, 2), 2.0)))
            self.assertEqual([p["share"] for p in written["soup"]], [0.5, 0.5])


if __name__ == "__main__":
    unittest.main()
