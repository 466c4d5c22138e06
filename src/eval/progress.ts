/**
 * Progress on stderr: a bar when stderr is a terminal and `CI` is unset, otherwise plain lines at
 * every tenth of the way (so logs stay short). Small on purpose; the CLI may later share one helper.
 */
import cliProgress from 'cli-progress';

export interface ProgressIO {
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: Record<string, string | undefined>;
}

export interface Progress {
  update(done: number, total: number, item: string): void;
  stop(): void;
}

export function createProgress(io: ProgressIO, title: string): Progress {
  if (io.stderr.isTTY === true && !io.env.CI) {
    let bar: cliProgress.SingleBar | undefined;
    return {
      update(done, total, item) {
        if (!bar) {
          bar = new cliProgress.SingleBar(
            { stream: io.stderr, format: `${title} [{bar}] {value}/{total} {item}`, hideCursor: true, clearOnComplete: true },
            cliProgress.Presets.shades_classic,
          );
          bar.start(total, 0, { item: '' });
        }
        bar.update(done, { item });
      },
      stop() {
        bar?.stop();
      },
    };
  }
  let lastTenth = -1;
  return {
    update(done, total) {
      const tenth = Math.floor((done * 10) / Math.max(total, 1));
      if (tenth === lastTenth && done !== total) return;
      lastTenth = tenth;
      io.stderr.write(`${title}: ${done}/${total}\n`);
    },
    stop() {},
  };
}
