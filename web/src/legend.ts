/** The legend: one row per class with its colour and share; clicking a row hides or shows the class. */
import { cssColour } from './colors.js';

export interface LegendRow {
  id: number;
  label: string;
  description: string;
  share?: number;
}

export function renderLegend(
  list: HTMLUListElement,
  rows: readonly LegendRow[],
  palette: readonly (readonly [number, number, number])[],
  hidden: ReadonlySet<number>,
  onToggle: (id: number) => void,
): void {
  list.replaceChildren(
    ...rows.map((row) => {
      const item = document.createElement('li');
      const button = document.createElement('button');
      button.type = 'button';
      button.dataset.classId = String(row.id);
      button.setAttribute('aria-pressed', String(!hidden.has(row.id)));
      button.title = hidden.has(row.id) ? `Show ${row.description}` : `Hide ${row.description}`;
      const swatch = document.createElement('span');
      swatch.className = 'swatch';
      swatch.style.background = cssColour(palette[row.id] ?? [0, 0, 0]);
      const name = document.createElement('span');
      name.textContent = row.description;
      const share = document.createElement('span');
      share.className = 'share';
      share.textContent = row.share === undefined ? '' : `${(row.share * 100).toFixed(row.share < 0.01 ? 2 : 1)}%`;
      button.append(swatch, name, share);
      button.addEventListener('click', () => onToggle(row.id));
      item.append(button);
      return item;
    }),
  );
}
