/**
 * The models a worker holds: the one it was started with, loaded once before it takes a job and
 * kept; with `anyModel`, others loaded when a job asks for them (the most recently used few
 * are kept, so a mixed queue does not reload a model per job). Without `anyModel`, a job for
 * another model gets no parser, and the worker hands it back for a worker that runs that model.
 */
import type { FaceParser } from '../pipeline/faceParser.js';
import type { FaceParserOptions } from '../pipeline/options.js';
import { sameModel, type ModelRequest } from './modelIdentity.js';

export type RuntimeOptions = Pick<
  FaceParserOptions,
  'threads' | 'device' | 'spinning' | 'maxInputPixels' | 'maxModelPixels' | 'sessions' | 'cacheDir' | 'endpoint' | 'token' | 'offline' | 'network'
>;

export interface ParserPoolOptions {
  model: ModelRequest;
  runtime: RuntimeOptions;
  /** Load the model a job asks for when it is not the worker's own. Default false: refuse such jobs. */
  anyModel?: boolean;
  /** Models kept besides the worker's own with `anyModel`. Default 1. */
  extraModels?: number;
}

export class ParserPool {
  #primary: FaceParser | undefined;
  /** Other models, least recently used first. */
  readonly #extra = new Map<string, Promise<FaceParser>>();

  constructor(readonly options: ParserPoolOptions) {}

  /** Loads the worker's own model (once). */
  async start(): Promise<FaceParser> {
    if (!this.#primary) this.#primary = await this.#load(this.options.model);
    return this.#primary;
  }

  /** The parser for a job's model, or undefined when this worker does not run it (and may not load it). */
  async forModel(wanted: ModelRequest): Promise<FaceParser | undefined> {
    const primary = await this.start();
    if (sameModel(wanted, this.options.model, primary.variant)) return primary;
    if (!this.options.anyModel) return undefined;
    const key = `${wanted.key}\n${wanted.variant ?? ''}`;
    let parser = this.#extra.get(key);
    if (parser) {
      this.#extra.delete(key); // re-inserted below as the most recent
    } else {
      parser = this.#load(wanted);
      parser.catch(() => this.#extra.delete(key)); // a model that failed to load is tried again next time
    }
    this.#extra.set(key, parser);
    const keep = this.options.extraModels ?? 1;
    while (this.#extra.size > keep) {
      const [oldKey, old] = this.#extra.entries().next().value as [string, Promise<FaceParser>];
      this.#extra.delete(oldKey);
      // close() lets parses already started on it finish.
      void old.then(
        (p) => p.close(),
        () => undefined,
      );
    }
    return parser;
  }

  async #load(request: ModelRequest): Promise<FaceParser> {
    // Loaded here, not at the top: only a running worker needs the pipeline's native code.
    const { FaceParser } = await import('../node/faceParser.js');
    return FaceParser.create({ ...this.options.runtime, model: request.source, variant: request.variant });
  }

  /** The worker's own model as loaded: id and variant. */
  describe(): string {
    return this.#primary ? `${this.#primary.model} (${this.#primary.variant})` : 'not loaded';
  }

  async close(): Promise<void> {
    const all = [this.#primary, ...(await Promise.allSettled(this.#extra.values())).flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []))];
    this.#extra.clear();
    this.#primary = undefined;
    await Promise.all(all.map((p) => p?.close()));
  }
}
