import sys
import unittest
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from faceparse_train.sampling import class_presence, epoch_order, epoch_pool, rare_classes  # noqa: E402


def masks_with(classes_per_image: list[list[int]]) -> torch.Tensor:
    """4x4 masks, background with one pixel of each listed class."""
    masks = torch.zeros(len(classes_per_image), 4, 4, dtype=torch.uint8)
    for i, classes in enumerate(classes_per_image):
        for k, c in enumerate(classes):
            masks[i].view(-1)[k + 1] = c
    return masks


class SamplingTest(unittest.TestCase):
    def setUp(self):
        # Class 1 in every image, class 2 in 1 of 5 (rare), class 3 in 2 of 5 (not rare at 0.25), class 4 nowhere.
        self.masks = masks_with([[1, 2], [1, 3], [1, 3], [1], [1]])

    def test_presence_and_rare_classes(self):
        presence = class_presence(self.masks, 5)
        self.assertEqual(presence[0].tolist(), [True, True, True, False, False])
        self.assertEqual(rare_classes(presence, background=0), [2])
        self.assertEqual(rare_classes(presence, background=0, share=0.5), [2, 3])

    def test_images_of_rare_classes_drawn_repeat_times(self):
        pool, rare = epoch_pool(self.masks, 5, 0, 3)
        self.assertEqual((sorted(pool.tolist()), rare), ([0, 0, 0, 1, 2, 3, 4], [2]))
        order = epoch_order(pool, torch.Generator().manual_seed(1))
        self.assertEqual(sorted(order.tolist()), sorted(pool.tolist()))

    def test_repeat_one_is_the_plain_shuffle(self):
        # The order of earlier runs (torch.randperm of the images) is kept, so their commands still reproduce.
        pool, rare = epoch_pool(self.masks, 5, 0, 1)
        self.assertEqual((pool.tolist(), rare), ([0, 1, 2, 3, 4], []))
        got = epoch_order(pool, torch.Generator().manual_seed(7))
        want = torch.randperm(5, generator=torch.Generator().manual_seed(7))
        self.assertEqual(got.tolist(), want.tolist())
        with self.assertRaises(ValueError):
            epoch_pool(self.masks, 5, 0, 0)


if __name__ == "__main__":
    unittest.main()
