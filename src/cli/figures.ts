// The figures a command prints as tables (the benchmark's): for people,
// aligned columns on stdout; for --json, the same tables as data (their
// title, column names, and rows of the cells as printed) with the lines
// printed between them, so that a script can keep and compare the figures.
import { humanOut } from './output.js';

export interface FigureTable {
  readonly title: string;
  readonly columns: readonly string[];
  readonly rows: string[][];
  /** Lines printed with the table that are not rows: its setting, a figure measured alone. */
  readonly notes: string[];
}

export class Figures {
  readonly tables: FigureTable[] = [];

  /** Prints a table's title, its notes and its header; returns what prints (and keeps) one row. */
  table(
    title: string,
    columns: ReadonlyArray<readonly [name: string, width: number]>,
    notes: readonly string[] = [],
  ): (cells: ReadonlyArray<string | number>) => void {
    const t: FigureTable = { title, columns: columns.map(([n]) => n), rows: [], notes: [...notes] };
    this.tables.push(t);
    const line = (cells: readonly string[]) =>
      cells
        .map((c, k) => (k === cells.length - 1 ? c : c.padEnd(Math.max(columns[k]![1], c.length + 2))))
        .join('')
        .trimEnd();
    humanOut().write(`\n${[title, ...notes, line(t.columns)].join('\n')}\n`);
    return (cells) => {
      const row = cells.map(String);
      t.rows.push(row);
      humanOut().write(`${line(row)}\n`);
    };
  }

  /** A line printed after the last table's rows: kept among its notes. */
  note(text: string): void {
    const last = this.tables.at(-1);
    if (!last) throw new Error('internal: a note before any table');
    last.notes.push(text);
    humanOut().write(`${text}\n`);
  }
}
