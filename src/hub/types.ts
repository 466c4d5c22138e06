/**
 * The types of the model sources' options and results, apart from the Node code that acts on them
 * (resolve.ts, download.ts, transfer.ts), so that code for any platform (the shared pipeline, the
 * browser bundle) can name them without pulling Node in.
 */
import type { ModelVariant } from '../base/types.js';

export interface DownloadProgress {
  /** Path of the file in the repo, e.g. `onnx/model.onnx`. */
  file: string;
  /** Bytes received so far. */
  loaded: number;
  /** Bytes expected, when the server said. */
  total?: number;
  /**
   * Set while a request is out and no answer has come: the origin asked (the endpoint, or the
   * CDN it redirected to). Lets a front end say what it is waiting for; `loaded` is then 0.
   */
  waitingFor?: string;
  /** Set on the one event of a file whose blob was already in the cache (and checked): nothing is downloaded. */
  cached?: boolean;
}

export interface NetworkLimits {
  /** Sending a request until its response headers have arrived, connecting included. Default 30 000 ms. */
  headersTimeoutMs: number;
  /** Longest gap between two pieces of a response body. Default 30 000 ms. */
  idleTimeoutMs: number;
  /** Slowest accepted average body speed over `lowSpeedWindowMs`, bytes per second. Default 1024; 0 turns the check off. */
  minBytesPerSecond: number;
  /** The window over which the speed is averaged. Default 30 000 ms. */
  lowSpeedWindowMs: number;
  /** Largest accepted file, for every file. Default: per kind, see {@link maxBytesFor}. */
  maxFileBytes?: number;
}

export interface HubOptions {
  /** Which ONNX weights: fp32 `onnx/model.onnx`, fp16 `onnx/model_fp16.onnx`, q8 `onnx/model_quantized.onnx`. Default: fp32 for hub ids; for folders the first present of fp32, q8, fp16. */
  variant?: ModelVariant;
  /** Branch, tag or commit; `@revision` in the source wins when both agree, and they must agree. Default `main`. */
  revision?: string;
  /** Default: `HF_HUB_CACHE`, else `$HF_HOME/hub`, else `~/.cache/huggingface/hub`. */
  cacheDir?: string;
  /** Default: `HF_ENDPOINT`, else https://huggingface.co. */
  endpoint?: string;
  /** Default: `HF_TOKEN`, else the file `$HF_HOME/token`. Sent to the endpoint only, never to the CDN. */
  token?: string;
  /** Never touch the network. Default: `HF_HUB_OFFLINE=1` or `TRANSFORMERS_OFFLINE=1`. */
  offline?: boolean;
  onProgress?: (event: DownloadProgress) => void;
  signal?: AbortSignal;
  /** Replaces the global fetch (proxies, tests). */
  fetch?: typeof fetch;
  /**
   * Ask the hub what a branch or tag points to now even when it is cached (what `faceparse models
   * pull` does). Default false: a cached revision is used without any request.
   */
  refresh?: boolean;
  /** Extra tries after network errors, 5xx and 429 (default 2). */
  retries?: number;
  /** Wait before the first retry in ms, doubling after (default 500). */
  retryDelayMs?: number;
  /**
   * Timeouts, minimum speed and size cap of every request (src/hub/transfer.ts). Defaults: 30 s
   * for the response headers (connecting included) and between two pieces of a body, at least
   * 1024 bytes/s over any 30 s, 2 GiB per `.onnx` file, 16 GiB per `.onnx_data`, 16 MiB for the
   * rest. `HF_HUB_DOWNLOAD_TIMEOUT` (seconds) sets the three times when an option does not.
   */
  network?: Partial<NetworkLimits>;
}

export interface ResolvedModel {
  /** A folder holding the files (for hub ids: the snapshot folder in the cache). */
  dir: string;
  /** `owner/name` for hub ids. */
  id?: string;
  /** The revision asked for (`main` by default), for hub ids. */
  revision?: string;
  /** The commit the revision resolved to, for hub ids. */
  commit?: string;
  variant: ModelVariant;
  /** `local`: a folder; `cache`: every file came from the cache; `download`: something was downloaded. */
  source: 'local' | 'cache' | 'download';
  files: {
    config: string;
    preprocessor: string;
    onnx: string;
    /** The ONNX external-data file (`<onnx>_data`), when the model has one. */
    onnxData?: string;
  };
}
