/**
 * Every error faceparse raises on purpose is a FaceParseError: a stable `code` for programs,
 * and a message that says what went wrong and what to do about it.
 */
export type FaceParseErrorCode =
  | 'INVALID_ARGUMENT'
  | 'INPUT_UNREADABLE'
  | 'INPUT_EMPTY'
  | 'INPUT_TOO_LARGE'
  | 'MODEL_NOT_FOUND'
  | 'MODEL_INVALID'
  /** The model ran but its output for one input is unusable (non-finite or empty logits). */
  | 'MODEL_OUTPUT_INVALID'
  /** The model could not run on one input (onnxruntime refused it: a photo too small or too large for the model). */
  | 'MODEL_RUN_FAILED'
  | 'MODEL_FILE_MISSING'
  | 'HUB_OFFLINE'
  | 'HUB_HTTP'
  | 'DEVICE_UNAVAILABLE'
  | 'DATASET_INVALID'
  | 'QUEUE_UNAVAILABLE'
  | 'CLOSED';

export class FaceParseError extends Error {
  readonly code: FaceParseErrorCode;

  constructor(code: FaceParseErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FaceParseError';
    this.code = code;
  }
}

/** True for errors that concern one input only: a batch reports them and goes on. */
export function isInputError(error: unknown): boolean {
  return (
    error instanceof FaceParseError &&
    (error.code === 'INPUT_UNREADABLE' ||
      error.code === 'INPUT_EMPTY' ||
      error.code === 'INPUT_TOO_LARGE' ||
      error.code === 'MODEL_OUTPUT_INVALID' ||
      error.code === 'MODEL_RUN_FAILED')
  );
}
