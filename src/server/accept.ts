/**
 * Which answer a parse request wants, from its Accept header: the label PNG itself (`image/png`
 * or `image/*`) or the JSON document (`application/json`, the default: no header, `*\/*`, or
 * neither named). The higher quality wins; at equal quality, the one named first.
 */
export type AnswerKind = 'json' | 'png';

export function negotiateAnswer(accept: string | undefined): AnswerKind {
  if (!accept) return 'json';
  let best: { kind: AnswerKind; q: number; at: number } | undefined;
  accept.split(',').forEach((entry, at) => {
    const [type, ...params] = entry.split(';').map((s) => s.trim().toLowerCase());
    const kind: AnswerKind | undefined =
      type === 'image/png' || type === 'image/*' ? 'png' : type === 'application/json' || type === 'application/*' ? 'json' : undefined;
    if (!kind) return;
    const qParam = params.find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (!Number.isFinite(q) || q <= 0) return;
    if (!best || q > best.q) best = { kind, q, at };
  });
  return best?.kind ?? 'json';
}
