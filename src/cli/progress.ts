/**
 * Progress for long commands: a bar on an interactive terminal, plain lines in CI, pipes and
 * files (one per item, so logs stay readable), nothing but errors with --quiet.
 */
import cliProgress from 'cli-progress';

export interface ProgressIO {
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: Record<string, string | undefined>;
}

export interface Progress {
  /** One item done; `line` is what plain mode prints for it. */
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
  const bar = new cliProgress.SingleBar(
    {
      format: `${options.label ?? 'parsing'} {bar} {value}/{total} | {eta_formatted} left | {name}`,
      stream: io.stderr,
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 20,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { name: '' });
  return {
    tick: (name) => bar.increment(1, { name }),
    error: (line) => {
      bar.stop();
      write(line);
      bar.start(total, bar.getProgress() * total, { name: '' });
    },
    stop: () => bar.stop(),
  };
}
