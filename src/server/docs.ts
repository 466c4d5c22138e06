/**
 * The service's documentation, generated from the route schemas by @fastify/swagger:
 * `GET /openapi.json` (OpenAPI 3.1) and `GET /docs`, a small self-contained page (no scripts, no
 * external assets) listing each operation, its parameters and answers, with curl examples.
 */
import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { PUBLIC_ROUTE } from './auth.js';

interface Operation {
  summary?: string;
  description?: string;
  parameters?: Array<{ name: string; in: string; description?: string; schema?: { type?: string; enum?: unknown[]; default?: unknown } }>;
  requestBody?: { content?: Record<string, unknown> };
  responses?: Record<string, { description?: string; content?: Record<string, unknown> }>;
}

export async function registerOpenApi(app: FastifyInstance, info: { version: string; model: string; auth: boolean }): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'faceparse',
        version: info.version,
        description: `Face parsing with SegFormer: a label per pixel (skin, nose, eyes, brows, ears, lips, hair, ...). Model: ${info.model}.`,
      },
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'one of the keys given with --api-key / --api-key-file (also accepted as X-API-Key: <key>)' },
        },
      },
      ...(info.auth ? { security: [{ apiKey: [] }] } : {}),
    },
  });
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function docsPage(doc: {
  info?: { title?: string; version?: string; description?: string };
  paths?: Record<string, Record<string, Operation>>;
}): string {
  const sections: string[] = [];
  for (const [path, methods] of Object.entries(doc.paths ?? {})) {
    for (const [method, op] of Object.entries(methods)) {
      const params = (op.parameters ?? [])
        .map((p) => {
          const values = p.schema?.enum ? ` (${p.schema.enum.join(' | ')})` : p.schema?.type ? ` (${p.schema.type})` : '';
          return `<li><code>${escapeHtml(p.name)}</code>${escapeHtml(values)}: ${escapeHtml(p.description ?? '')}</li>`;
        })
        .join('');
      const bodies = Object.keys(op.requestBody?.content ?? {})
        .map((t) => `<code>${escapeHtml(t)}</code>`)
        .join(', ');
      const answers = Object.entries(op.responses ?? {})
        .map(
          ([status, r]) => `<li><b>${escapeHtml(status)}</b> ${escapeHtml(Object.keys(r.content ?? {}).join(', '))}: ${escapeHtml(r.description ?? '')}</li>`,
        )
        .join('');
      sections.push(
        `<section><h2><span class="m">${method.toUpperCase()}</span> ${escapeHtml(path)}</h2>` +
          `<p>${escapeHtml(op.summary ?? '')}</p>${op.description ? `<p>${escapeHtml(op.description)}</p>` : ''}` +
          (params ? `<h3>Query</h3><ul>${params}</ul>` : '') +
          (bodies ? `<h3>Body</h3><p>${bodies}</p>` : '') +
          (answers ? `<h3>Answers</h3><ul>${answers}</ul>` : '') +
          `</section>`,
      );
    }
  }
  const title = escapeHtml(doc.info?.title ?? 'faceparse');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title} API</title>
<meta name="viewport" content="width=device-width,initial-scale=1">
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#222}
code,pre{background:#f3f3f3;border-radius:3px;padding:0 .2em}pre{padding:.6em;overflow:auto}
section{border-top:1px solid #ddd;margin-top:1.2rem}.m{color:#07a}h2{font-size:1.1rem}h3{font-size:.95rem;margin-bottom:0}</style></head>
<body><h1>${title} ${escapeHtml(doc.info?.version ?? '')}</h1><p>${escapeHtml(doc.info?.description ?? '')}</p>
<p>The machine-readable description: <a href="openapi.json">openapi.json</a>. Errors are JSON <code>{"error":{"code","message"}}</code>.</p>
<pre>curl --data-binary @face.jpg -H 'Content-Type: image/jpeg' -H 'Accept: image/png' -o face.labels.png http://HOST/v1/parse
curl -F image=@face.jpg 'http://HOST/v1/parse?outputs=labels,color'</pre>
${sections.join('\n')}</body></html>`;
}

export function registerDocsRoutes(app: FastifyInstance): void {
  app.get(
    '/openapi.json',
    { config: PUBLIC_ROUTE, schema: { security: [], summary: 'This API as an OpenAPI 3.1 document', tags: ['docs'] } },
    async (_request, reply) => reply.type('application/json; charset=utf-8').send(app.swagger()),
  );
  app.get('/docs', { config: PUBLIC_ROUTE, schema: { security: [], summary: 'This page: the API in a browser', tags: ['docs'] } }, async (_request, reply) =>
    reply
      .type('text/html; charset=utf-8')
      .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
      .send(docsPage(app.swagger() as Parameters<typeof docsPage>[0])),
  );
}
