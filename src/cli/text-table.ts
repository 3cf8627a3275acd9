/**
 * Plain-text tables for the terminal: columns padded to their widest cell, two spaces
 * apart, a rule under the header. Numbers read best right-aligned (`align: 'right'`).
 */

export type Align = 'left' | 'right';

/** Display width: combining marks take no column (text is normalised to NFC first). */
function width(text: string): number {
  return [...text.normalize('NFC').replace(/\p{M}/gu, '')].length;
}

function pad(text: string, to: number, align: Align): string {
  const fill = ' '.repeat(Math.max(0, to - width(text)));
  return align === 'right' ? fill + text : text + fill;
}

/** Cells are single lines: line breaks and tabs become spaces so the columns hold. */
function clean(cell: string): string {
  return cell.replace(/[\r\n\t]+/g, ' ');
}

export function textTable(head: readonly string[], rows: readonly (readonly string[])[], align: readonly Align[] = []): string {
  const all = [head, ...rows].map((r) => head.map((_h, i) => clean(r[i] ?? '')));
  const widths = head.map((_h, i) => Math.max(...all.map((r) => width(r[i] ?? ''))));
  const line = (r: readonly string[]) =>
    r
      .map((cell, i) => pad(cell, widths[i] ?? 0, align[i] ?? 'left'))
      .join('  ')
      .trimEnd();
  const [header = [], ...body] = all;
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n') + '\n';
}

/** `key: value` lines with the values aligned. */
export function definitionList(items: readonly (readonly [string, string])[]): string {
  const w = Math.max(0, ...items.map(([k]) => width(k)));
  return items.map(([k, v]) => `${pad(`${k}`, w, 'left')}  ${clean(v)}`.trimEnd()).join('\n') + '\n';
}
