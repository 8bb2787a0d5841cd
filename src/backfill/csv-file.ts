/**
 * A bulk import file being written: a header of REST field names, then one line per row, in
 * RFC 4180 CSV (a cell with a comma, a quote, a line break or edge spaces is quoted, quotes
 * doubled). An empty cell leaves the field as it is in Marketo — missing data never blanks a
 * field — while `0` and `false` are values.
 */
export class CsvFile {
  /**
   * Lines are encoded a thousand at a time into a buffer: outside the JavaScript heap while the
   * file waits for its import (a file holds up to tens of thousands of rows, and V8 grows its
   * heap to a few times what lives in it), and never one big string to encode at the end.
   */
  private readonly blocks: Buffer[] = [];
  private lines: string[] = [];
  private bytes: number;
  private count = 0;

  constructor(readonly columns: readonly string[]) {
    const header = `${columns.map(cell).join(',')}\n`;
    this.lines.push(header);
    this.bytes = Buffer.byteLength(header);
  }

  get rows(): number {
    return this.count;
  }

  /** The line of a row: its cells in the order of the columns. */
  lineFor(values: ReadonlyMap<string, unknown>): string {
    return `${this.columns.map((column) => (values.has(column) ? cell(values.get(column)) : '')).join(',')}\n`;
  }

  fits(line: string, maxBytes: number): boolean {
    return this.bytes + Buffer.byteLength(line) < maxBytes;
  }

  append(line: string): void {
    this.lines.push(line);
    this.bytes += Buffer.byteLength(line);
    this.count++;
    if (this.lines.length >= 1_000) {
      this.blocks.push(Buffer.from(this.lines.join(''), 'utf8'));
      this.lines = [];
    }
  }

  toBuffer(): Buffer {
    return Buffer.concat([...this.blocks, Buffer.from(this.lines.join(''), 'utf8')]);
  }
}

function cell(value: unknown): string {
  if (value === undefined || value === null) return '';
  const text = String(value);
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
