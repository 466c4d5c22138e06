/** Types of face detection and alignment. Coordinates are photo pixels, x right, y down, pixel centres at +0.5. */

export interface Point {
  x: number;
  y: number;
}

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * BlazeFace's six keypoints, in its order. "Image-left" is the side with the smaller x: the
 * person's right eye/ear on an upright, frontal photo.
 */
export const FACE_KEYPOINTS = ['eye_image_left', 'eye_image_right', 'nose', 'mouth', 'ear_image_left', 'ear_image_right'] as const;
export type FaceKeypointName = (typeof FACE_KEYPOINTS)[number];

export interface DetectedFace {
  /** Detector score, 0..1 (the highest score of the blended detections). */
  score: number;
  /** Axis-aligned face box in photo pixels. */
  box: Box;
  /** Six keypoints in FACE_KEYPOINTS order, photo pixels. */
  keypoints: Point[];
}

/**
 * A row-major 2x3 affine map: x' = a*x + b*y + c, y' = d*x + e*y + f, as [a, b, c, d, e, f].
 * Maps continuous coordinates (pixel centres at i + 0.5).
 */
export type Affine = readonly [number, number, number, number, number, number];

/**
 * The seam to an inference engine: one float32 input, named float32 outputs. onnxruntime-node
 * supplies it today (nodeDetectorRunner.ts); onnxruntime-web can supply the same in a browser.
 */
export interface TensorRunner {
  run(input: Float32Array, dims: readonly number[]): Promise<Record<string, Float32Array>>;
  release?(): Promise<void>;
}
