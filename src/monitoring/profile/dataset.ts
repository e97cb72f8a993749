// Reference data sets for `onnx-serve profile`: CSV with a header row, or JSON Lines of objects; read by column.
import type { CategoryValue } from './build-profile.js';

export interface Dataset {
  columns: string[];
  rows: number;
  /** Column name → one value per row (null when absent). */
  values: Map<string, CategoryValue[]>;
}

/**
 * RFC 4180 records: quoted fields may hold commas, quotes ("") and newlines; CRLF or LF line ends.
 * Blank lines are skipped; a single empty value is written "".
 */
export function parseCsvRecords(text: string): string[][] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  let blank = true;
  const endRecord = () => {
    if (!blank) records.push([...record, field]);
    (record = []), (field = ''), (blank = true);
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
      continue;
    }
    if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRecord();
      continue;
    }
    blank = false;
    if (c === '"' && field === '') quoted = true;
    else if (c === ',') record.push(field), (field = '');
    else field += c;
  }
  if (quoted) throw new Error('CSV ends inside a quoted field');
  endRecord();
  return records;
}

export function parseCsv(text: string): Dataset {
  const [header, ...records] = parseCsvRecords(text.replace(/^\uFEFF/, ''));
  if (header === undefined) throw new Error('the CSV file is empty');
  if (new Set(header).size !== header.length) throw new Error('the CSV header repeats a column name');
  const values = new Map(header.map((name) => [name, [] as CategoryValue[]]));
  records.forEach((record, r) => {
    if (record.length !== header.length) throw new Error(`CSV row ${r + 2} has ${record.length} fields, the header ${header.length}`);
    header.forEach((name, k) => values.get(name)!.push(record[k]));
  });
  return { columns: header, rows: records.length, values };
}

/** One JSON object per line; a key missing from a line is a missing value. */
export function parseJsonLines(text: string): Dataset {
  const objects: Record<string, unknown>[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      throw new Error(`line ${i + 1} is not valid JSON`);
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error(`line ${i + 1} is not a JSON object`);
    objects.push(parsed as Record<string, unknown>);
  });
  const columns = [...new Set(objects.flatMap((o) => Object.keys(o)))];
  const values = new Map(columns.map((name) => [name, objects.map((o) => toValue(o[name], name))]));
  return { columns, rows: objects.length, values };
}

function toValue(v: unknown, column: string): CategoryValue {
  if (v === undefined || v === null) return null;
  if (typeof v === 'number' || typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  throw new Error(`column '${column}' holds a ${Array.isArray(v) ? 'list' : 'object'}; give one scalar per column`);
}

const MISSING = new Set(['', 'na', 'nan', 'null', 'none']);

/** A value as a number: NaN when missing (null, '', NA, NaN, null, None); an error for other text. */
export function toNumber(v: CategoryValue, column: string, row: number): number {
  if (v === null) return NaN;
  if (typeof v === 'number') return v;
  if (MISSING.has(v.trim().toLowerCase())) return NaN;
  const n = Number(v);
  if (Number.isNaN(n)) throw new Error(`column '${column}', row ${row + 1}: '${v.slice(0, 40)}' is not a number`);
  return n;
}

/** Reads a data set by its file extension (.csv, .jsonl, .ndjson) or an explicit format. */
export function parseDataset(text: string, format: 'csv' | 'jsonl'): Dataset {
  const data = format === 'csv' ? parseCsv(text) : parseJsonLines(text);
  if (data.rows === 0) throw new Error('the data set has no rows');
  return data;
}

export function datasetFormat(path: string, given?: string): 'csv' | 'jsonl' {
  const format = given ?? (/\.csv$/i.test(path) ? 'csv' : /\.(jsonl|ndjson)$/i.test(path) ? 'jsonl' : undefined);
  if (format !== 'csv' && format !== 'jsonl') throw new Error(`cannot tell the format of '${path}': use --format csv or --format jsonl`);
  return format;
}
