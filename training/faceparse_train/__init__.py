"""faceparse training: fine-tune SegFormer face parsers and export them for faceparse."""
