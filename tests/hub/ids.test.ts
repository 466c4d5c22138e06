import { describe, expect, it } from 'vitest';
import { FaceParseError } from '../../src/base/errors.js';
import { idFromRepoFolder, isCommitHash, parseModelId, repoFolderName, validateRevision } from '../../src/hub/ids.js';
import { parseModelSource, resolveModel } from '../../src/hub/resolve.js';

function rejection(fn: () => unknown): FaceParseError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(FaceParseError);
    return error as FaceParseError;
  }
  throw new Error('expected a FaceParseError');
}

describe('hub ids', () => {
  it('parses owner/name and owner/name@revision', () => {
    expect(parseModelId('jonathandinu/face-parsing')).toEqual({ id: 'jonathandinu/face-parsing', owner: 'jonathandinu', name: 'face-parsing' });
    expect(parseModelId('a/b.c_d-e@v1.0')).toMatchObject({ id: 'a/b.c_d-e', revision: 'v1.0' });
    expect(parseModelId('Xenova/segformer@refs/pr/12').revision).toBe('refs/pr/12');
    const hash = 'a'.repeat(40);
    expect(parseModelId(`o/n@${hash}`).revision).toBe(hash);
    expect(isCommitHash(hash)).toBe(true);
    expect(isCommitHash('main')).toBe(false);
    expect(isCommitHash('A'.repeat(40))).toBe(false);
  });

  it.each([
    '../x',
    'a/../../b',
    'a/b/c',
    'a',
    '/a/b',
    'a/b/',
    '/a',
    'a//b',
    '../../etc/passwd',
    'a/..',
    '../b',
    'a/.b',
    'a/b..c',
    '-a/b',
    'a/b-',
    'a./b',
    'a--x/b',
    'a/--b',
    'a/b--',
    'a\\b/c',
    'a/b c',
    'ä/b',
    `a/${'x'.repeat(97)}`,
    'a/b@',
    'a/b@../x',
    'a/b@main/../../x',
    'a/b@/main',
    'a/b@main/',
    'a/b@ma in',
    'a/b@.hidden',
    '',
    '   ',
  ])('rejects %j with the expected shape in the message', (id) => {
    const error = rejection(() => parseModelId(id));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toContain('expected');
    expect(error.message).toMatch(/owner\/name|branch, tag or commit/);
  });

  it('rejects bad revisions given on their own', () => {
    for (const rev of ['..', 'a/../b', 'refs//pr', 'x.lock', '-x']) {
      expect(rejection(() => validateRevision(rev)).code).toBe('INVALID_ARGUMENT');
    }
    expect(validateRevision('refs/pr/1')).toBe('refs/pr/1');
  });

  it('maps ids to cache folder names and back', () => {
    expect(repoFolderName('julien-c/EsperBERTo-small')).toBe('models--julien-c--EsperBERTo-small');
    expect(idFromRepoFolder('models--julien-c--EsperBERTo-small')).toBe('julien-c/EsperBERTo-small');
    expect(idFromRepoFolder('datasets--glue--x')).toBeUndefined();
    expect(idFromRepoFolder('models--bert-base-cased')).toBeUndefined();
    expect(idFromRepoFolder('models--a--b--c')).toBeUndefined();
  });

  it('classifies sources: paths are folders, owner/name is a hub id, the rest is refused', () => {
    expect(parseModelSource('./x')).toMatchObject({ kind: 'local' });
    expect(parseModelSource('../x')).toMatchObject({ kind: 'local' });
    expect(parseModelSource('/abs/x')).toMatchObject({ kind: 'local', dir: '/abs/x' });
    expect(parseModelSource('tests')).toMatchObject({ kind: 'local' }); // an existing folder
    expect(parseModelSource('owner/name@v2')).toMatchObject({ kind: 'hub', id: { id: 'owner/name', revision: 'v2' } });
    expect(parseModelSource(undefined)).toMatchObject({ kind: 'default' });
    expect(parseModelSource('')).toMatchObject({ kind: 'default' });
    const error = rejection(() => parseModelSource('a/../../b'));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toMatch(/neither an existing folder nor a valid hub id/);
  });

  it('resolveModel refuses traversal in hub ids before touching disk or network', async () => {
    let calls = 0;
    const fetch = (async () => {
      calls++;
      throw new Error('no request expected');
    }) as typeof globalThis.fetch;
    for (const source of ['a/../../b', 'a/b/c', 'a/b@../../x']) {
      await expect(resolveModel(source, { fetch, cacheDir: '/nonexistent-cache' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    }
    await expect(resolveModel('o/n', { fetch, revision: '../x', cacheDir: '/nonexistent-cache' })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    expect(calls).toBe(0);
  });
});
