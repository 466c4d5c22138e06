/**
 * What a command prints while a model downloads, on any stderr: a bar per file on a terminal;
 * elsewhere (CI, pipes, log files) plain lines: when a file starts and ends, its progress every
 * few seconds, and a "waiting for ..." line when a server keeps the command waiting, so a stalled
 * download is never silent.
 */
import cliProgress from 'cli-progress';
import type { DownloadProgress } from '../hub/resolve.js';

export interface DownloadProgressIO {
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  /** Read for `CI`. */
  env: Record<string, string | undefined>;
}

export interface Reporter {
  onProgress: (event: DownloadProgress) => void;
  /** Ends the bars and timers; prints a closing line for files whose size was not announced (and never for one that stopped short). */
  done: () => void;
}

export interface ReporterTimings {
  /** How long a request may go unanswered before a "waiting for" line. Default 2000 ms. */
  waitNoticeMs?: number;
  /** Plain mode: a line per file this often while it downloads or waits. Default 10 000 ms. */
  intervalMs?: number;
}

/** `1234567` -> `1.2 MB` (decimal units, as the Hub shows sizes). */
export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined) return '?';
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
}

function seconds(ms: number): string {
  return `${Math.round(ms / 1000)} s`;
}

/** A bar per file on a terminal (unless `CI` is set), plain lines elsewhere. */
export function progressReporter(io: DownloadProgressIO, timings: ReporterTimings = {}): Reporter {
  const waitNoticeMs = timings.waitNoticeMs ?? 2000;
  const intervalMs = timings.intervalMs ?? 10_000;
  const write = (line: string): void => void io.stderr.write(`${line}\n`);
  const fancy = io.stderr.isTTY === true && !io.env.CI;

  // What each file is doing, for the "waiting" and periodic lines (both modes).
  interface State {
    event: DownloadProgress;
    since: number;
    /** When the last line about this file was printed. */
    said: number;
    started: boolean;
    finished: boolean;
  }
  const files = new Map<string, State>();
  const waitingLine = (s: State, now: number): string => `waiting for ${s.event.waitingFor} to answer for ${s.event.file} (${seconds(now - s.since)} so far)`;

  let bars: { multi: cliProgress.MultiBar; byFile: Map<string, cliProgress.SingleBar> } | undefined;
  if (fancy) {
    bars = {
      multi: new cliProgress.MultiBar(
        {
          stream: io.stderr,
          format: '{file} [{bar}] {percentage}% {done}/{size}',
          hideCursor: true,
          clearOnComplete: false,
          stopOnComplete: false,
          barsize: 30,
        },
        cliProgress.Presets.shades_classic,
      ),
      byFile: new Map(),
    };
  }
  const say = (line: string): void => (bars ? bars.multi.log(`${line}\n`) : write(line));

  const tick = setInterval(
    () => {
      const now = Date.now();
      for (const s of files.values()) {
        if (s.finished) continue;
        if (s.event.waitingFor) {
          const first = s.said === 0;
          if ((first && now - s.since >= waitNoticeMs) || (!first && now - s.said >= intervalMs)) {
            say(waitingLine(s, now));
            s.said = now;
          }
        } else if (!bars && now - s.said >= intervalMs) {
          const { loaded, total } = s.event;
          const pct = total ? ` (${Math.floor((loaded / total) * 100)}%)` : '';
          write(`downloading ${s.event.file}: ${formatBytes(loaded)} of ${formatBytes(total)}${pct}`);
          s.said = now;
        }
      }
    },
    Math.max(10, Math.min(waitNoticeMs, intervalMs, 1000) / 4),
  );
  tick.unref();

  return {
    onProgress(e) {
      const now = Date.now();
      let s = files.get(e.file);
      if (!s) {
        s = { event: e, since: now, said: 0, started: false, finished: false };
        files.set(e.file, s);
      }
      if (e.waitingFor && s.event.waitingFor !== e.waitingFor) {
        s.since = now;
        s.said = 0;
      }
      s.event = e;
      if (e.waitingFor) return;
      if (e.cached) {
        s.finished = true;
        return;
      }
      if (bars) {
        let bar = bars.byFile.get(e.file);
        const payload = { file: e.file, done: formatBytes(e.loaded), size: formatBytes(e.total) };
        if (!bar) {
          bar = bars.multi.create(e.total ?? 0, e.loaded, payload);
          bars.byFile.set(e.file, bar);
        } else {
          if (e.total !== undefined) bar.setTotal(e.total);
          bar.update(e.loaded, payload);
        }
      } else if (!s.started) {
        write(`downloading ${e.file}${e.total !== undefined ? ` (${formatBytes(e.total)})` : ''}`);
        s.said = now;
      }
      s.started = true;
      if (e.total !== undefined && e.loaded === e.total && !s.finished) {
        s.finished = true;
        if (!bars) write(`downloaded ${e.file}`);
      }
    },
    done() {
      clearInterval(tick);
      if (bars) {
        bars.multi.stop();
        return;
      }
      // Files whose size was not announced end here; one that stopped short of its size failed (its error says why).
      for (const [file, s] of files) {
        if (s.started && !s.finished && s.event.total === undefined) write(`downloaded ${file} (${formatBytes(s.event.loaded)})`);
      }
    },
  };
}
