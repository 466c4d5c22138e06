/**
 * A small stand-in for the Hugging Face Hub on 127.0.0.1, for tests: it serves model folders at
 * `/{owner}/{name}/resolve/{revision}/{file}` with the headers the real hub sends (ETag = git blob
 * SHA-1 for small files, X-Repo-Commit, Content-Length; LFS files answer 302 to a second server on
 * another port, the "CDN", with X-Linked-Etag = SHA-256 and X-Linked-Size).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LoggedRequest {
  server: 'hub' | 'cdn';
  method: string;
  path: string;
  authorization?: string;
}

export interface FakeRepo {
  /** Revision name -> commit hash. */
  refs: Record<string, string>;
  /** Commit hash -> files. */
  commits: Record<string, Record<string, Buffer>>;
  /** Files served the LFS way (redirect to the CDN). Default: every `.onnx` / `.onnx_data` file. */
  lfs?: (file: string) => boolean;
  /** The token this repo requires (private/gated), if any. */
  token?: string;
  gated?: boolean;
}

/** Return true when the hook answered the request itself. */
export type Hook = (req: IncomingMessage, res: ServerResponse, info: { server: 'hub' | 'cdn'; path: string }) => boolean | Promise<boolean>;

export function gitSha1(data: Buffer): string {
  return createHash('sha1').update(`blob ${data.length}\0`).update(data).digest('hex');
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export function commitHash(seed: string): string {
  return createHash('sha1').update(seed).digest('hex');
}

/** A small SegFormer-shaped model folder (fake weights: random bytes). */
export function fakeModelFiles(options: { withData?: boolean; onnxBytes?: number; seed?: string } = {}): Record<string, Buffer> {
  const config = {
    architectures: ['SegformerForSemanticSegmentation'],
    model_type: 'segformer',
    num_labels: 3,
    id2label: { 0: 'background', 1: 'skin', 2: 'hair' },
    label2id: { background: 0, skin: 1, hair: 2 },
    hidden_sizes: [32, 64, 160, 256],
    depths: [2, 2, 2, 2],
    decoder_hidden_size: 256,
    num_channels: 3,
  };
  const preprocessor = {
    do_normalize: true,
    do_reduce_labels: false,
    do_rescale: true,
    do_resize: true,
    image_mean: [0.485, 0.456, 0.406],
    image_processor_type: 'SegformerImageProcessor',
    image_std: [0.229, 0.224, 0.225],
    resample: 2,
    rescale_factor: 0.00392156862745098,
    size: { height: 512, width: 512 },
  };
  const seeded = (n: number, tag: string): Buffer => {
    // Deterministic bytes so that blobs repeat between runs of the same seed.
    const out = Buffer.alloc(n);
    let block = Buffer.alloc(0);
    for (let i = 0; i < n; i += 32) {
      block = createHash('sha256')
        .update(`${options.seed ?? 's'}:${tag}:${i}`)
        .digest();
      block.copy(out, i, 0, Math.min(32, n - i));
    }
    return out;
  };
  const files: Record<string, Buffer> = {
    'config.json': Buffer.from(JSON.stringify(config, null, 2)),
    'preprocessor_config.json': Buffer.from(JSON.stringify(preprocessor, null, 2)),
    'onnx/model.onnx': seeded(options.onnxBytes ?? 300_000, 'fp32'),
    'onnx/model_quantized.onnx': seeded(50_000, 'q8'),
    'README.md': Buffer.from('# fake face parsing model\n'),
  };
  if (options.withData) files['onnx/model.onnx_data'] = seeded(120_000, 'data');
  return files;
}

export class FakeHub {
  readonly repos = new Map<string, FakeRepo>();
  readonly log: LoggedRequest[] = [];
  hooks: Hook[] = [];
  /** Answer every `resolve` request for this repo id with a redirect to this other id (renamed repo). */
  renamed = new Map<string, string>();
  private hub!: Server;
  private cdn!: Server;
  url = '';
  cdnUrl = '';

  async start(): Promise<this> {
    this.hub = createServer((req, res) => void this.handle('hub', req, res));
    this.cdn = createServer((req, res) => void this.handle('cdn', req, res));
    for (const s of [this.hub, this.cdn]) {
      await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
    }
    this.url = `http://127.0.0.1:${(this.hub.address() as AddressInfo).port}`;
    this.cdnUrl = `http://127.0.0.1:${(this.cdn.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    for (const s of [this.hub, this.cdn]) {
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    }
  }

  addRepo(id: string, files: Record<string, Buffer>, extra: Partial<FakeRepo> = {}): { commit: string } {
    const commit = commitHash(`${id}:${randomBytes(8).toString('hex')}`);
    this.repos.set(id, { refs: { main: commit }, commits: { [commit]: files }, ...extra });
    return { commit };
  }

  /** Requests to the hub (and CDN) so far, e.g. to assert "no request was made". */
  requests(server?: 'hub' | 'cdn'): LoggedRequest[] {
    return server ? this.log.filter((r) => r.server === server) : [...this.log];
  }

  private async handle(server: 'hub' | 'cdn', req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = decodeURI((req.url ?? '/').split('?')[0]!);
    this.log.push({
      server,
      method: req.method ?? 'GET',
      path,
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
    });
    for (const hook of this.hooks) if (await hook(req, res, { server, path })) return;
    if (server === 'cdn') return this.serveCdn(req, res, path);
    return this.serveHub(req, res, req.url ?? '/');
  }

  private findBlob(sha: string): Buffer | undefined {
    for (const repo of this.repos.values()) {
      for (const files of Object.values(repo.commits)) {
        for (const data of Object.values(files)) if (sha256(data) === sha) return data;
      }
    }
    return undefined;
  }

  private serveCdn(req: IncomingMessage, res: ServerResponse, path: string): void {
    const m = /^\/lfs\/([0-9a-f]{64})$/.exec(path);
    const data = m ? this.findBlob(m[1]!) : undefined;
    if (!data) {
      res.writeHead(404).end('no such object');
      return;
    }
    // A CDN's own ETag is not the blob name: make sure clients do not take it as one.
    res.writeHead(200, { 'content-length': data.length, etag: '"cdn-etag-not-the-hash"', 'content-type': 'application/octet-stream' });
    res.end(req.method === 'HEAD' ? undefined : data);
  }

  private serveHub(req: IncomingMessage, res: ServerResponse, rawUrl: string): void {
    const m = /^\/([^/]+)\/([^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(rawUrl.split('?')[0]!);
    if (!m) {
      res.writeHead(404, { 'x-error-code': 'RepoNotFound' }).end();
      return;
    }
    const id = `${m[1]}/${m[2]}`;
    const revision = decodeURIComponent(m[3]!);
    const file = m[4]!.split('/').map(decodeURIComponent).join('/');
    const newId = this.renamed.get(id);
    if (newId) {
      res.writeHead(307, { location: `/${newId}/resolve/${m[3]}/${m[4]}` }).end();
      return;
    }
    const repo = this.repos.get(id);
    const auth = req.headers.authorization;
    if (!repo || (repo.token && !repo.gated && auth !== `Bearer ${repo.token}`)) {
      // The real hub answers 401 for missing and private repos alike.
      res
        .writeHead(401, { 'x-error-code': 'RepoNotFound', 'x-error-message': 'Repository not found', 'content-type': 'application/json' })
        .end(JSON.stringify({ error: 'Repository not found' }));
      return;
    }
    if (repo.gated && auth !== `Bearer ${repo.token}`) {
      res.writeHead(403, { 'x-error-code': 'GatedRepo', 'x-error-message': 'Access to this model is restricted' }).end();
      return;
    }
    const commit = /^[0-9a-f]{40}$/.test(revision) && repo.commits[revision] ? revision : repo.refs[revision];
    if (!commit) {
      res.writeHead(404, { 'x-error-code': 'RevisionNotFound', 'x-error-message': 'Invalid rev id' }).end();
      return;
    }
    const data = repo.commits[commit]![file];
    if (!data) {
      res.writeHead(404, { 'x-error-code': 'EntryNotFound', 'x-error-message': 'Entry not found', 'x-repo-commit': commit }).end('Entry not found');
      return;
    }
    const lfs = repo.lfs ? repo.lfs(file) : /\.onnx(_data)?$/.test(file);
    if (lfs) {
      const sha = sha256(data);
      res
        .writeHead(302, {
          location: `${this.cdnUrl}/lfs/${sha}`,
          'x-repo-commit': commit,
          'x-linked-etag': `"${sha}"`,
          'x-linked-size': String(data.length),
          etag: '"redirect-etag"',
        })
        .end();
      return;
    }
    res.writeHead(200, {
      'content-length': data.length,
      etag: `"${gitSha1(data)}"`,
      'x-repo-commit': commit,
      'content-type': 'application/octet-stream',
    });
    res.end(req.method === 'HEAD' ? undefined : data);
  }
}
