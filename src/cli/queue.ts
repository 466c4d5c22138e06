/**
 * `faceparse queue submit|status|wait|list|retry|clean`: batches of photos parsed by workers
 * (`faceparse worker`) on other processes or machines, through BullMQ on Redis. Results go to
 * stdout (submit: the batch id as the last line; status/list: text or --json); progress and
 * notes to stderr. bullmq, ioredis and the queue code are loaded by the actions, not here.
 */
import { type Command, Option } from 'commander';
import type { ModelVariant } from '../base/types.js';
import { optionalFromText, optionFromText } from '../options/checkOption.js';
import {
  alphaOption,
  DEFAULT_ALPHA,
  DEFAULT_FACES,
  DEFAULT_OUTPUTS,
  FACES_MODES,
  facesOption,
  flipOption,
  outputsOption,
  scalesOption,
  type FacesMode,
} from '../options/parseOptions.js';
import { VARIANTS, variantOption } from '../options/parserOptions.js';
import { parseOutputKinds } from '../outputs/kinds.js';
import type { BatchStatus } from '../queue/status.js';
import { processIO, type CommandIO } from './io.js';
import { createProgress, interactive } from './progress.js';
import { addQueueOptions, countFlag, secondsFlag, type QueueFlags } from './queueOptions.js';
import { addRegionOptions, regionChoices, type RegionFlags } from './regionOptions.js';

interface SubmitFlags extends QueueFlags, RegionFlags {
  out: string;
  outputs: string;
  alpha: string;
  model?: string;
  variant?: ModelVariant;
  faces?: FacesMode;
  flip?: boolean;
  scales?: string;
  name?: string;
  attempts: string;
  backoff: string;
  jobSecretFile?: string;
}

async function target(flags: QueueFlags, io: CommandIO) {
  const { queueTarget } = await import('../queue/connection.js');
  return queueTarget(flags, io.env);
}

function countsLine(s: BatchStatus): string {
  return (
    `${s.total} job${s.total === 1 ? '' : 's'}: ${s.completed} completed, ${s.failed} failed, ${s.waiting} waiting, ${s.active} active` +
    (s.missing ? `, ${s.missing} missing` : '') +
    (s.skipped.length ? `; ${s.skipped.length} input${s.skipped.length === 1 ? '' : 's'} skipped at submit` : '')
  );
}

function statusText(s: BatchStatus): string {
  const lines = [
    `batch: ${s.batch}${s.name ? ` (${s.name})` : ''}, submitted ${s.created}, ${s.model} -> ${s.out}`,
    `total: ${s.total}`,
    `waiting: ${s.waiting}`,
    `active: ${s.active}`,
    `completed: ${s.completed}`,
    `failed: ${s.failed}`,
    ...(s.missing ? [`missing: ${s.missing}`] : []),
    ...(s.failures.length ? ['failures:', ...s.failures.map((f) => `  ${f.input}: ${f.error}`)] : []),
    ...(s.skipped.length ? ['skipped at submit:', ...s.skipped.map((f) => `  ${f.input}: ${f.error}`)] : []),
  ];
  return lines.join('\n') + '\n';
}

export function registerQueueCommand(program: Command, io: CommandIO = processIO()): void {
  const queue = program
    .command('queue')
    .description('batches on a Redis queue, parsed by `faceparse worker` processes on any machine that shares the filesystem');

  addRegionOptions(
    addQueueOptions(
      queue
        .command('submit')
        .description('one job per photo, as one batch; prints the batch id as the last line')
        .argument(
          '<inputs...>',
          'image files, folders (searched recursively) or glob patterns; paths are made absolute, so workers must see them at the same paths',
        )
        .option('-o, --out <dir>', 'output folder, made absolute; workers write into it (same layout as faceparse parse)', 'faceparse-output')
        .option('--outputs <list>', outputsOption.description, DEFAULT_OUTPUTS.join(','))
        .option('--alpha <0..1>', alphaOption.description, String(DEFAULT_ALPHA))
        .option(
          '-m, --model <id|path>',
          'hub id owner/name[@revision] or model folder (default: the embedded face-parsing-mini); workers must run it (or be started with --any-model)',
        )
        .addOption(new Option('--variant <variant>', variantOption.description).choices(VARIANTS))
        .addOption(new Option('--faces <mode>', `${facesOption.description} (default: ${DEFAULT_FACES})`).choices(FACES_MODES))
        .option('--flip', flipOption.description)
        .option('--scales <list>', scalesOption.description)
        .option('--name <name>', 'a name for the batch, shown by status and list')
        .option('--attempts <n>', 'tries per job for errors other than bad input (bad input fails at once)', '3')
        .option('--backoff <ms>', 'wait before the first retry, doubling each time', '2000')
        .option('--job-secret-file <file>', 'sign each job with the secret in this file (also FACEPARSE_JOB_SECRET), for workers that take signed jobs only'),
    ),
  ).action(async (inputs: string[], flags: SubmitFlags) => {
    const { outputs, choices } = regionChoices(flags, parseOutputKinds(flags.outputs, '--outputs'));
    const alpha = optionFromText(alphaOption, flags.alpha, '--alpha');
    const scales = optionalFromText(scalesOption, flags.scales, '--scales');
    const attempts = optionFromText(countFlag(1), flags.attempts, '--attempts');
    const backoffMs = optionFromText(countFlag(0), flags.backoff, '--backoff');
    const { readJobSecret } = await import('./jobSecret.js');
    const jobSecret = readJobSecret(flags.jobSecretFile, io.env.FACEPARSE_JOB_SECRET);
    const [{ modelRequest }, { submitBatch }, { withQueue }] = await Promise.all([
      import('../queue/modelIdentity.js'),
      import('../queue/submit.js'),
      import('../queue/session.js'),
    ]);
    const model = modelRequest(flags.model, flags.variant);
    const t = await target(flags, io);
    const submitted = await withQueue(t, async (session) => {
      const result = await submitBatch(session.queue, session.store, {
        inputs,
        out: flags.out,
        outputs,
        alpha,
        model,
        faces: flags.faces,
        flip: flags.flip === true,
        scales,
        ...choices,
        name: flags.name,
        attempts,
        backoffMs,
        jobSecret,
      });
      for (const note of result.notes) io.stderr.write(`note: ${note}\n`);
      for (const s of result.skipped) io.stderr.write(`error: ${s.error}\n`);
      io.stderr.write(
        `submitted ${result.total} job${result.total === 1 ? '' : 's'} to ${session.where}` +
          (result.skipped.length ? `; ${result.skipped.length} input${result.skipped.length === 1 ? '' : 's'} skipped` : '') +
          '\n',
      );
      return result;
    });
    io.stdout(`${submitted.batch}\n`);
  });

  addQueueOptions(
    queue
      .command('status')
      .description('counts of the batch (total, waiting, active, completed, failed) and its failures')
      .argument('<batch>', 'batch id from submit')
      .option('--json', "JSON, with each completed job's summary (per-class pixels, timings)"),
  ).action(async (batch: string, flags: QueueFlags & { json?: boolean }) => {
    const [{ withQueue }, { batchStatus }, { checkBatchId }] = await Promise.all([
      import('../queue/session.js'),
      import('../queue/status.js'),
      import('../queue/names.js'),
    ]);
    const status = await withQueue(await target(flags, io), async (session) => {
      const record = await session.store.require(checkBatchId(batch), session.where);
      return batchStatus(session.queue, session.store, record, { results: flags.json === true });
    });
    io.stdout(flags.json ? JSON.stringify(status, null, 2) + '\n' : statusText(status));
  });

  addQueueOptions(
    queue
      .command('wait')
      .description(
        'until every job of the batch is completed or failed; exit 0 when all completed, 1 when any failed (or an input was skipped, or --timeout passed)',
      )
      .argument('<batch>', 'batch id from submit')
      .option('--timeout <s>', 'give up after this many seconds')
      .option('-q, --quiet', 'print only failures and the summary'),
  ).action(async (batch: string, flags: QueueFlags & { timeout?: string; quiet?: boolean }) => {
    const timeoutS = optionalFromText(secondsFlag, flags.timeout, '--timeout');
    const [{ withQueue }, { waitForBatch }, { checkBatchId }] = await Promise.all([
      import('../queue/session.js'),
      import('../queue/wait.js'),
      import('../queue/names.js'),
    ]);
    const result = await withQueue(
      await target(flags, io),
      async (session) => {
        const record = await session.store.require(checkBatchId(batch), session.where);
        const progress = createProgress(record.total, io, { quiet: flags.quiet, label: `batch ${record.id}` });
        const bar = interactive(io) && record.total > 1;
        try {
          return await waitForBatch(session, record, {
            timeoutMs: timeoutS === undefined ? undefined : timeoutS * 1000,
            onFinished: (e) => {
              if (e.outcome === 'failed') {
                progress.error(`failed ${e.input}: ${e.error}`);
                if (bar) progress.tick(e.input, '');
              } else {
                progress.tick(e.input, `ok ${e.input}`);
              }
            },
          });
        } finally {
          progress.stop();
        }
      },
      'service',
    );
    const s = result.status;
    io.stderr.write(`batch ${s.batch}: ${countsLine(s)}` + (result.timedOut ? `; gave up after --timeout ${flags.timeout} s` : '') + '\n');
    for (const f of s.skipped) io.stderr.write(`skipped ${f.input}: ${f.error}\n`);
    if (result.timedOut || s.failed > 0 || s.missing > 0 || s.skipped.length > 0) process.exitCode = 1;
  });

  addQueueOptions(queue.command('list').description('every batch with its counts, oldest first').option('--json', 'JSON')).action(
    async (flags: QueueFlags & { json?: boolean }) => {
      const [{ withQueue }, { listBatches }] = await Promise.all([import('../queue/session.js'), import('../queue/maintenance.js')]);
      const batches = await withQueue(await target(flags, io), (session) => listBatches(session));
      if (flags.json) return io.stdout(JSON.stringify(batches, null, 2) + '\n');
      if (batches.length === 0) io.stderr.write('no batches\n');
      for (const s of batches) io.stdout(`${s.batch}  ${s.created}  ${s.name ? `${s.name}  ` : ''}${countsLine(s)}\n`);
    },
  );

  addQueueOptions(
    queue
      .command('retry')
      .description('put the failed jobs of a batch back in the queue, with their attempts renewed')
      .argument('<batch>', 'batch id from submit'),
  ).action(async (batch: string, flags: QueueFlags) => {
    const [{ withQueue }, { retryFailed }, { checkBatchId }] = await Promise.all([
      import('../queue/session.js'),
      import('../queue/maintenance.js'),
      import('../queue/names.js'),
    ]);
    const retried = await withQueue(await target(flags, io), async (session) =>
      retryFailed(session, await session.store.require(checkBatchId(batch), session.where)),
    );
    io.stdout(`retried ${retried} failed job${retried === 1 ? '' : 's'} of batch ${batch}\n`);
  });

  addQueueOptions(
    queue
      .command('clean')
      .description('remove batches from Redis (their jobs, results and failures; outputs on disk stay): the ones named, or every finished batch')
      .argument('[batches...]', 'batch ids (default: every batch with no job waiting or active)')
      .option('--force', 'also remove named batches that still have jobs to do (those jobs are dropped)'),
  ).action(async (batches: string[], flags: QueueFlags & { force?: boolean }) => {
    const [{ withQueue }, { cleanBatch, listBatches }, { checkBatchId }] = await Promise.all([
      import('../queue/session.js'),
      import('../queue/maintenance.js'),
      import('../queue/names.js'),
    ]);
    await withQueue(await target(flags, io), async (session) => {
      const ids = batches.length
        ? batches.map(checkBatchId)
        : (await listBatches(session)).filter((s) => s.waiting === 0 && s.active === 0).map((s) => s.batch);
      for (const id of ids) {
        const { removed } = await cleanBatch(session, await session.store.require(id, session.where), { force: flags.force });
        io.stdout(`removed batch ${id} (${removed} job${removed === 1 ? '' : 's'})\n`);
      }
      if (ids.length === 0) io.stderr.write('no finished batches to remove\n');
    });
  });
}
