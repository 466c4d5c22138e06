/**
 * `faceparse serve`: the HTTP service (src/server) on a port. It prints
 * `faceparse serve listening on <url>` on stdout when the model is loaded and the port open
 * (structured JSON logs go to stderr). SIGTERM or SIGINT stops it cleanly: no new requests,
 * those in flight finish (up to --grace), the model is closed, exit 0; a second signal, or
 * requests still running after the grace period, cut them and exit 1.
 */
import { type Command, Option } from 'commander';
import { z } from 'zod';
import { FaceParseError } from '../base/errors.js';
import { optionalFromText, optionFromText } from '../options/checkOption.js';
import { SERVICE_MAX_INPUT_PIXELS, sessionsOption } from '../options/parserOptions.js';
// The service's own defaults (no native code: `faceparse serve --help` still loads neither onnxruntime nor libvips).
import { SERVER_DEFAULTS } from '../server/options.js';
import { processIO, type CommandIO } from './io.js';
import { addModelFlags, type ModelFlags, modelFlagOptions } from './modelFlags.js';

interface ServeFlags extends ModelFlags {
  host: string;
  port: string;
  maxBodyMb: string;
  concurrency?: string;
  queue?: string;
  maxPixelsInFlight: string;
  sessions?: string;
  timeout: string;
  grace?: string;
  apiKey: string[];
  apiKeyFile?: string;
  cors?: string;
  appDir?: string;
  logLevel: string;
}

/** The service's own counts and durations, checked by the one text parser (src/options/checkOption.ts). */
const count = (min: number) => z.number().int().min(min);
const portFlag = z.number().int().min(0).max(65535);
const positiveFlag = z.number().positive();

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerServeCommand(program: Command, io: CommandIO = processIO()): void {
  const command = program
    .command('serve')
    .description('run the HTTP service: POST /v1/parse, /healthz, /readyz, /metrics, /openapi.json, /docs and the web app at /')
    .option('--host <host>', 'interface to listen on (0.0.0.0 for all)', '127.0.0.1')
    .option('-p, --port <port>', 'port (0 picks a free one; the URL is printed)', '8080')
    .option('--max-body-mb <n>', 'largest request body in MB (413 beyond)', String(SERVER_DEFAULTS.maxBodyBytes / 1024 / 1024))
    .option('--concurrency <n>', 'parses at once (default: one per core)')
    .option(
      '--max-pixels-in-flight <n>',
      'pixels the parses running at once may hold together: bounds memory whatever the core count (one photo alone always runs)',
      String(SERVER_DEFAULTS.maxPixelsInFlight),
    )
    .option(
      '--sessions <n>',
      `${sessionsOption.description}; the service parses one photo per request (default 1), where several 1-thread sessions can raise throughput under load (bench/serve.ts)`,
    )
    .option('--queue <n>', 'requests that may wait for a parse; beyond, 503 with Retry-After (default: 2 x concurrency)')
    .option('--timeout <seconds>', 'deadline of a request, upload and queue wait included (504 beyond)', String(SERVER_DEFAULTS.timeoutMs / 1000))
    .option('--grace <seconds>', 'on SIGTERM/SIGINT, how long requests in flight may take to finish (default: the --timeout, which bounds every request)')
    .option(
      '--api-key <key>',
      'require Authorization: Bearer <key> (or X-API-Key: <key>) on /v1/*, /metrics and every route but probes, docs and the web app (repeat for several keys; also FACEPARSE_API_KEYS, comma-separated)',
      collect,
      [],
    )
    .option('--api-key-file <file>', 'file of API keys, one per line (# comments)')
    .option('--cors <origins>', 'allow these browser origins (comma list, or * for any); default: CORS off')
    .option('--app-dir <dir>', 'static web app served at / (default: the package dist/app)')
    .addOption(
      new Option('--log-level <level>', 'JSON log level (stderr)').choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    );
  addModelFlags(command, {
    model: 'hub id owner/name[@revision] or model folder (default: the embedded face-parsing-mini)',
    maxPixels: { default: SERVICE_MAX_INPUT_PIXELS, note: "; 413 beyond (below the library's default: a service holds several photos at once)" },
  }).action(async (flags: ServeFlags) => {
    process.exitCode = await runServe(flags, io);
  });
}

export async function runServe(flags: ServeFlags, io: CommandIO = processIO()): Promise<number> {
  const port = optionFromText(portFlag, flags.port, '--port');
  const graceMs = optionFromText(positiveFlag, flags.grace ?? flags.timeout, flags.grace === undefined ? '--timeout' : '--grace') * 1000;
  // Loaded here, not at the top: `faceparse --help` and the other commands never load the server or the model.
  const { createServer } = await import('../server/app.js');
  const { readApiKeyFile } = await import('../server/options.js');
  const apiKeys = [
    ...flags.apiKey,
    ...(process.env.FACEPARSE_API_KEYS ?? '')
      .split(',')
      .map((k) => k.trim())
      .filter(Boolean),
  ];
  if (flags.apiKeyFile) apiKeys.push(...readApiKeyFile(flags.apiKeyFile));
  const cors =
    flags.cors === undefined
      ? undefined
      : flags.cors.trim() === '*'
        ? ('*' as const)
        : flags.cors
            .split(',')
            .map((o) => o.trim())
            .filter(Boolean);
  const server = await createServer({
    parser: {
      ...modelFlagOptions(flags, (line) => void io.stderr.write(`${line}\n`)),
      sessions: optionalFromText(sessionsOption, flags.sessions, '--sessions'),
    },
    maxBodyBytes: Math.round(optionFromText(positiveFlag, flags.maxBodyMb, '--max-body-mb') * 1024 * 1024),
    concurrency: optionalFromText(count(1), flags.concurrency, '--concurrency'),
    maxPixelsInFlight: optionFromText(count(1), flags.maxPixelsInFlight, '--max-pixels-in-flight'),
    maxQueue: optionalFromText(count(0), flags.queue, '--queue'),
    timeoutMs: Math.round(optionFromText(positiveFlag, flags.timeout, '--timeout') * 1000),
    apiKeys,
    corsOrigins: cors,
    appDir: flags.appDir,
    logLevel: flags.logLevel,
  });

  const stopped = new Promise<number>((resolve) => {
    let signals = 0;
    const stop = (signal: NodeJS.Signals) => {
      signals++;
      if (signals > 1) {
        server.app.log.warn({ signal }, 'second signal: stopping now, cutting requests in flight');
        process.exit(1);
      }
      server.app.log.info({ signal, graceMs }, 'stopping: no new requests; waiting for those in flight');
      server.close({ graceMs }).then(
        ({ forced }) => resolve(forced ? 1 : 0),
        (error: unknown) => {
          server.app.log.error({ err: error }, 'stopping failed');
          resolve(1);
        },
      );
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });

  let url: string;
  try {
    url = await server.listen({ host: flags.host, port });
  } catch (error) {
    await server.close({ graceMs: 0 });
    const code = (error as NodeJS.ErrnoException).code;
    throw new FaceParseError(
      'INVALID_ARGUMENT',
      `cannot listen on ${flags.host}:${port}: ${code === 'EADDRINUSE' ? 'the port is in use; pick another with --port (0 = any free one)' : (error as Error).message}`,
    );
  }
  // The URL ends its own line, for scripts that read it; the rest goes on the next.
  io.stdout(`faceparse serve listening on ${url}\n`);
  io.stdout(`model ${server.parser.model} (${server.parser.variant}); API docs at /docs, metrics at /metrics\n`);
  const code = await stopped;
  io.stdout(`faceparse serve stopped${code === 0 ? '' : ' (requests were cut)'}\n`);
  // Everything is closed, so the process ends by itself; should a handle stay open, it still ends.
  setTimeout(() => process.exit(code), 2000).unref();
  return code;
}
