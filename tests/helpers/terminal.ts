/**
 * What a terminal shows after some output: a small emulator of the control sequences progress
 * bars use (carriage return, newline as a tty's onlcr turns it into CR LF, cursor moves, line and
 * screen clears, save and restore), so a test can check what stays on screen, not which bytes went by.
 */
export function screenOf(output: string): string[] {
  const rows: string[][] = [[]];
  let row = 0;
  let col = 0;
  let saved: [number, number] = [0, 0];
  const line = () => (rows[row] ??= []);
  const moveTo = (r: number, c: number) => {
    row = Math.max(0, r);
    col = Math.max(0, c);
    while (rows.length <= row) rows.push([]);
  };
  for (let i = 0; i < output.length; i++) {
    const ch = output[i]!;
    if (ch === '\r') col = 0;
    else if (ch === '\n') moveTo(row + 1, 0);
    else if (ch === '\x1b') {
      const next = output[i + 1];
      if (next === '7') {
        saved = [row, col];
        i++;
      } else if (next === '8') {
        moveTo(...saved);
        i++;
      } else if (next === '[') {
        const match = /^\[([?0-9;]*)([A-Za-z])/.exec(output.slice(i + 1));
        if (!match) continue;
        i += match[0].length;
        const params = match[1]!
          .replace('?', '')
          .split(';')
          .map((n) => (n === '' ? undefined : Number(n)));
        const n = params[0] ?? 1;
        switch (match[2]) {
          case 'A':
            moveTo(row - n, col);
            break;
          case 'B':
            moveTo(row + n, col);
            break;
          case 'C':
            moveTo(row, col + n);
            break;
          case 'D':
            moveTo(row, col - n);
            break;
          case 'E':
            moveTo(row + n, 0);
            break;
          case 'F':
            moveTo(row - n, 0);
            break;
          case 'G':
            moveTo(row, n - 1);
            break;
          case 'H':
            moveTo((params[0] ?? 1) - 1, (params[1] ?? 1) - 1);
            break;
          case 'K': {
            const mode = params[0] ?? 0;
            if (mode === 0) line().length = Math.min(line().length, col);
            else if (mode === 1) for (let c = 0; c <= col && c < line().length; c++) line()[c] = ' ';
            else rows[row] = [];
            break;
          }
          case 'J':
            if ((params[0] ?? 0) === 0) {
              line().length = Math.min(line().length, col);
              rows.length = row + 1;
            }
            break;
          default: // modes (?25l, ?7h...), colours: nothing on screen
        }
      }
    } else {
      const l = line();
      while (l.length < col) l.push(' ');
      l[col++] = ch;
    }
  }
  const screen = rows.map((r) => r.join('').trimEnd());
  while (screen.length > 0 && screen.at(-1) === '') screen.pop();
  return screen;
}
