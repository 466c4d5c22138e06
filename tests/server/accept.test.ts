/** Accept negotiation of the parse answer: the label PNG or the JSON document. */
import { describe, expect, it } from 'vitest';
import { negotiateAnswer } from '../../src/server/accept.js';

describe('negotiateAnswer', () => {
  it.each([
    [undefined, 'json'],
    ['', 'json'],
    ['*/*', 'json'],
    ['application/json', 'json'],
    ['image/png', 'png'],
    ['image/*', 'png'],
    ['image/png, application/json', 'png'],
    ['application/json, image/png', 'json'],
    ['application/json;q=0.5, image/png', 'png'],
    ['image/png;q=0, application/json', 'json'],
    ['text/html, image/png;q=0.9', 'png'],
    ['text/html', 'json'],
  ])('%s -> %s', (accept, kind) => {
    expect(negotiateAnswer(accept)).toBe(kind);
  });
});
