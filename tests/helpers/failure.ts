/** The FaceParseError a promise rejects with (the test fails if it resolves, or rejects with anything else). */
import { expect } from 'vitest';
import { FaceParseError } from '../../src/base/errors.js';

export async function failure(promise: Promise<unknown>): Promise<FaceParseError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(FaceParseError);
    return error as FaceParseError;
  }
  throw new Error('expected the promise to reject');
}
