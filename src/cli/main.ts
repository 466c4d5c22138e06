#!/usr/bin/env node
/** The `faceparse` command: thin commands over the library; one clear error line and exit 1 on failure. */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { FaceParseError } from '../base/errors.js';
import { registerEvalCommand } from './eval.js';
import { registerModelsCommand } from './models.js';
import { registerParseCommand } from './parse.js';
import { registerQueueCommand } from './queue.js';
import { registerWorkerCommand } from './worker.js';
import { registerServeCommand } from './serve.js';

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
    return pkg.version;
  } catch {
    return '0.0.0';
  }
}

export function buildProgram(): Command {
  const program = new Command('faceparse')
    .description('Face parsing with SegFormer: per-pixel face-part labels, evaluation and model management')
    .version(packageVersion())
    .showHelpAfterError('(run faceparse --help for usage)')
    .exitOverride();
  registerParseCommand(program);
  registerEvalCommand(program);
  registerModelsCommand(program);
  registerQueueCommand(program);
  registerWorkerCommand(program);
  registerServeCommand(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // help and version exit 0; usage errors were already printed by commander.
      return error.exitCode;
    }
    if (error instanceof FaceParseError) {
      process.stderr.write(`faceparse: error: ${error.message}\n`);
      return 1;
    }
    process.stderr.write(`faceparse: unexpected error: ${(error as Error).stack ?? String(error)}\n`);
    return 1;
  }
}

// main() catches every error itself (the exit code says what happened), so its promise never rejects.
void main(process.argv).then((code) => {
  process.exitCode = code;
});
