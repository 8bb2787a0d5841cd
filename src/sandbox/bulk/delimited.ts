import { parse } from 'csv-parse/sync';

/** Bulk import file formats and their separators: comma, tab, semicolon (Marketo's bulk import docs). */
export const FORMATS = { csv: ',', tsv: '\t', ssv: ';' } as const;
export type ImportFormat = keyof typeof FORMATS;

export function isFormat(format: string): format is ImportFormat {
  return Object.hasOwn(FORMATS, format);
}

/** Rows of a delimited file, quotes honoured (separators, quotes and line breaks inside quoted cells). */
export function parseRows(text: string, format: ImportFormat): string[][] {
  return parse(text, { delimiter: FORMATS[format], bom: true, skip_empty_lines: true, relax_column_count: false }) as string[][];
}

/** One cell, quoted when it holds the separator, a quote or a line break. */
function cell(value: string, separator: string): string {
  return value.includes(separator) || /["\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** A delimited file: the header row first, then the rows, one a line. */
export function formatRows(rows: string[][], format: ImportFormat): string {
  return rows.map((row) => row.map((value) => cell(value, FORMATS[format])).join(FORMATS[format])).join('\n');
}
