/**
 * Progress for long commands: one line per item everywhere, with a bar below the lines on an
 * interactive terminal; plain lines only in CI, pipes and files; nothing but errors with --quiet.
 */
import cliProgress from 'cli-progress';

export interface ProgressIO {
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: Record<string, string | undefined>;
}

export interface Progress {
  /** One item done; `line` (if any) is printed for it, above the bar on a terminal, unless quiet. */
  tick(name: string, line: string): void;
  /** A message that must be seen (errors): printed above the bar. */
  error(line: string): void;
  stop(): void;
}

export function interactive(io: ProgressIO): boolean {
  return io.stderr.isTTY === true && !io.env.CI;
}

export function createProgress(total: number, io: ProgressIO, options: { quiet?: boolean; label?: string } = {}): Progress {
  const write = (line: string) => void io.stderr.write(line + '\n');
  if (!interactive(io) || total <= 1) {
    return {
      tick: (_name, line) => (options.quiet ? undefined : write(line)),
      error: write,
      stop: () => undefined,
    };
  }
  // A MultiBar of one bar: it can print lines above its bar (a SingleBar saves and restores the
  // cursor, so lines written around it are overwritten: each photo's line vanished under the bar).
  const bars = new cliProgress.MultiBar(
    {
      format: `${options.label ?? 'parsing'} {bar} {value}/{total} | {eta_formatted} left | {name}`,
      stream: io.stderr,
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 20,
    },
    cliProgress.Presets.shades_classic,
  );
  const bar = bars.create(total, 0, { name: '' });
  const above = (line: string) => {
    bars.log(line + '\n');
    bars.update(); // now, not at the next redraw: the line shows when its photo is done
  };
  return {
    tick: (name, line) => {
      if (line && !options.quiet) above(line);
      bar.increment(1, { name });
    },
    error: above,
    stop: () => {
      bars.update();
      bars.stop();
    },
  };
}
