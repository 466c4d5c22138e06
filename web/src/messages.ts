/** The message area: what went wrong (or what to know), in words a user can act on. */
const area = () => document.getElementById('messages')!;

export type MessageKind = 'error' | 'warning' | 'info';

export function showMessage(text: string, kind: MessageKind = 'warning', key?: string): void {
  if (key) area().querySelector(`[data-key="${key}"]`)?.remove();
  const message = document.createElement('p');
  message.className = `message ${kind}`;
  message.textContent = text;
  if (key) message.dataset.key = key;
  area().append(message);
}

export function clearMessages(key?: string): void {
  if (key) area().querySelector(`[data-key="${key}"]`)?.remove();
  else area().replaceChildren();
}

/** A FaceParseError (or any error) as one sentence for the page. */
export function describeError(error: unknown): string {
  const e = error as { code?: string; message?: string; name?: string };
  if (e?.code === 'INPUT_UNREADABLE') return `That file is not a photo this browser can read. ${e.message ?? ''}`;
  if (e?.code === 'INPUT_TOO_LARGE') return `That photo is too large. ${e.message ?? ''}`;
  if (e?.code === 'INPUT_EMPTY') return `That file is empty. ${e.message ?? ''}`;
  return e?.message ?? String(error);
}
