/**
 * Output that leaves a page at a time (issue 10: memory bounded by streaming pages). A
 * fleet command prints each page of up to 1000 instances as it arrives and then waits for
 * stdout to drain, so the process holds one page whatever the fleet's size, and the bytes
 * are those the whole-fleet output had:
 * - JSON: exactly `JSON.stringify(items, null, 2)`, an item held back until the next one
 *   says whether a comma follows; nothing at all is written before the first item, so a
 *   failure on the first page leaves stdout empty.
 * - Tables: the widths cannot be measured over rows not yet read, so the first page sets
 *   them. Up to one page (1000 instances) that is the whole-table output, byte for byte; on
 *   later pages a wider cell overflows its column, as in the multi-region list's fixed
 *   widths, rather than the fleet being held to measure it.
 */
import { inertJson } from '../../contract/text.js';
import { columnWidths, tableLine } from './fleet-format.js';

export class JsonArrayStream {
  private pending: string | null = null;

  constructor(private readonly out: (s: string) => void) {}

  /** One page of items, in one write (nothing for an empty page). */
  write(items: readonly unknown[]): void {
    if (items.length === 0) return;
    const parts: string[] = this.pending === null ? ['['] : [];
    for (const item of items) {
      if (this.pending !== null) parts.push(`${this.pending},`);
      // Inert before indenting: a raw U+2028 in a tag value would otherwise start a "line"
      // that the indent would write into the value.
      this.pending = inertJson(JSON.stringify(item, null, 2)).replace(/^/gm, '  ');
    }
    this.out(parts.join('\n'));
  }

  /** Closes the array: `[]` when no item came. */
  end(): void {
    this.out(this.pending === null ? '[]' : `${this.pending}\n]`);
  }
}

export class TableStream {
  private widths: number[] | null = null;
  /** Rows written so far. */
  rows = 0;

  /** `head`: the column headings, written with the first page. */
  constructor(
    private readonly head: string[],
    private readonly out: (s: string) => void,
  ) {}

  /** One page of rows, cells already inert, in one write; the first page sets the widths. */
  write(rows: readonly string[][]): void {
    if (rows.length === 0) return;
    const lines: string[] = [];
    if (!this.widths) {
      this.widths = columnWidths(this.head, rows as string[][]);
      lines.push(tableLine(this.head, this.widths));
    }
    for (const r of rows) lines.push(tableLine(r, this.widths));
    this.rows += rows.length;
    this.out(lines.join('\n'));
  }
}
