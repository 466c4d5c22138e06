/** The progress writer: on a terminal, each photo's line stays above the bar; the bar is gone at the end. */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgress } from '../../src/cli/progress.js';
import { screenOf } from '../helpers/terminal.js';

function fakeTerminal(): { stream: Writable & { isTTY: boolean; columns: number }; output: () => string } {
  let written = '';
  const stream = Object.assign(
    new Writable({
      write(chunk, _encoding, done) {
        written += String(chunk);
        done();
      },
    }),
    { isTTY: true, columns: 100 },
  );
  return { stream, output: () => written };
}

describe('createProgress on a terminal', () => {
  it('keeps every per-photo line and error on screen above the bar, and clears the bar at the end', async () => {
    const { stream, output } = fakeTerminal();
    const progress = createProgress(3, { stderr: stream, env: {} });
    progress.tick('a.jpg', 'ok a.jpg -> out/a.* (3 faces, 120 ms)');
    expect(screenOf(output()).at(-1)).toMatch(/^parsing /); // the bar, below the line
    progress.error('error: b.jpg is not an image');
    progress.tick('b.jpg', '');
    progress.tick('c.jpg', 'ok c.jpg -> out/c.* (no face found: all background, 80 ms)');
    progress.stop();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(screenOf(output())).toEqual([
      'ok a.jpg -> out/a.* (3 faces, 120 ms)',
      'error: b.jpg is not an image',
      'ok c.jpg -> out/c.* (no face found: all background, 80 ms)',
    ]);
  });

  it('prints only errors with --quiet, still above the bar', () => {
    const { stream, output } = fakeTerminal();
    const progress = createProgress(2, { stderr: stream, env: {} }, { quiet: true });
    progress.tick('a.jpg', 'ok a.jpg');
    progress.error('error: b.jpg is empty');
    progress.tick('b.jpg', '');
    progress.stop();
    expect(screenOf(output())).toEqual(['error: b.jpg is empty']);
  });

  it('prints plain lines without a terminal (CI)', () => {
    const { stream, output } = fakeTerminal();
    const progress = createProgress(2, { stderr: stream, env: { CI: '1' } });
    progress.tick('a.jpg', 'ok a.jpg');
    progress.tick('b.jpg', 'ok b.jpg');
    progress.stop();
    expect(output()).toBe('ok a.jpg\nok b.jpg\n');
  });
});
