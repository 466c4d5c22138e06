/** `createServer` from the library's entry (src/index.ts): it loads the server on first call and serves. */
import { describe, expect, it } from 'vitest';
import { createServer } from '../../src/index.js';
import { TINY_MODEL, testPng, postImage } from './helpers.js';

describe('createServer from the library entry', () => {
  it('listens, parses, and closes the model it created', async () => {
    const server = await createServer({ parser: { model: TINY_MODEL, threads: 1 }, logLevel: 'silent', concurrency: 1 });
    const url = await server.listen({ port: 0 });
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const answer = await postImage(url, await testPng(), { accept: 'image/png' });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('image/png');
    expect(await server.close()).toEqual({ forced: false });
    await expect(server.parser.parse(await testPng())).rejects.toMatchObject({ code: 'CLOSED' });
  });
});
