/**
 * Reading inputs that are files, safely: only regular files are read (a FIFO would block the
 * reader forever, `/dev/zero` never ends, a device or socket is no photo), symbolic links are
 * followed but a broken one or a loop is said as such, and nothing larger than a cap is read.
 */
import { constants } from 'node:fs';
import { lstat, open, readlink, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { FaceParseError } from '../../base/errors.js';
import { DEFAULT_MAX_INPUT_BYTES, maxInputBytesOption } from '../../options/parserOptions.js';
import { checkOption } from '../../options/checkOption.js';

/**
 * 1 GiB (src/options): above any photo (a 100-megapixel 16-bit RGBA TIFF without compression is
 * 0.8 GB), and a bound on what one input can take in memory before it is even decoded.
 */
export { DEFAULT_MAX_INPUT_BYTES };

/** What a non-regular file is, for messages. */
export function fileKind(info: Stats): string {
  if (info.isDirectory()) return 'a folder, not an image file';
  if (info.isFIFO()) return 'a FIFO (named pipe)';
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  if (info.isSocket()) return 'a socket';
  if (info.isFile()) return 'a file';
  return 'not a regular file';
}

export type FileCheck = { ok: true; size: number; info: Stats } | { ok: false; error: FaceParseError };

function unreadable(message: string, cause?: unknown): FaceParseError {
  return new FaceParseError('INPUT_UNREADABLE', message, cause === undefined ? undefined : { cause });
}

/** Why `stat` failed on `path`, in words: missing, a broken link (with its target), a loop, no permission. */
async function statFailure(path: string, error: unknown): Promise<FaceParseError> {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') {
    const link = await lstat(path).catch(() => undefined);
    if (link?.isSymbolicLink()) {
      const target = await readlink(path).catch(() => '?');
      return unreadable(`${path} is a broken symbolic link (its target ${target} does not exist)`, error);
    }
    return unreadable(`cannot read ${path}: no such file`, error);
  }
  if (code === 'ELOOP') return unreadable(`${path} is a symbolic link loop; point it at an image file`, error);
  if (code === 'EACCES' || code === 'EPERM') return unreadable(`cannot read ${path}: permission denied`, error);
  return unreadable(`cannot read ${path}: ${(error as Error).message}`, error);
}

function notRegular(path: string, info: Stats): FaceParseError {
  return unreadable(
    `${path} is ${fileKind(info)}${info.isDirectory() ? '' : ', not a regular file'}; faceparse reads images from regular files only (so a pipe or device cannot block or flood it)`,
  );
}

function tooLarge(path: string, size: number, maxBytes: number): FaceParseError {
  return new FaceParseError(
    'INPUT_TOO_LARGE',
    `${path} is ${size.toLocaleString('en')} bytes, over the limit of ${maxBytes.toLocaleString('en')} bytes for one input; ` +
      'raise maxInputBytes if the image is genuine',
  );
}

/** Whether `path` is a regular file (links followed) no larger than `maxBytes`, without opening it. */
export async function checkRegularFile(path: string, maxBytes = DEFAULT_MAX_INPUT_BYTES): Promise<FileCheck> {
  checkOption(maxInputBytesOption, maxBytes, 'maxInputBytes');
  let info: Stats;
  try {
    info = await stat(path);
  } catch (error) {
    return { ok: false, error: await statFailure(path, error) };
  }
  if (!info.isFile()) return { ok: false, error: notRegular(path, info) };
  if (info.size > maxBytes) return { ok: false, error: tooLarge(path, info.size, maxBytes) };
  return { ok: true, size: info.size, info };
}

/**
 * Reads a regular file of at most `maxBytes`. Anything else fails at once with a FaceParseError:
 * the file is opened non-blocking and checked again through its handle, so a FIFO swapped in
 * after the first check cannot block, and a file that grows meanwhile is read up to the cap only.
 */
export async function readRegularFile(path: string, maxBytes = DEFAULT_MAX_INPUT_BYTES): Promise<Buffer> {
  const checked = await checkRegularFile(path, maxBytes);
  if (!checked.ok) throw checked.error;
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    throw await statFailure(path, error);
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw notRegular(path, info);
    if (info.size > maxBytes) throw tooLarge(path, info.size, maxBytes);
    // Read to the end (the size may have changed since the stat), never past the cap.
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(Math.max(info.size - total, 64 * 1024), maxBytes + 1 - total));
      if (chunk.length === 0) throw tooLarge(path, total, maxBytes);
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      total += bytesRead;
      if (total > maxBytes) throw tooLarge(path, total, maxBytes);
    }
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
  } catch (error) {
    if (error instanceof FaceParseError) throw error;
    throw unreadable(`cannot read ${path}: ${(error as Error).message}`, error);
  } finally {
    await handle.close().catch(() => {});
  }
}
