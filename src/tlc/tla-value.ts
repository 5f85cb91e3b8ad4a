// Reads values as TLC prints them (in states of a counterexample) and turns
// them into JSON: numbers, strings and booleans as themselves; model values
// as their name; sequences and sets as arrays; records as objects; functions
// (`a :> 1 @@ b :> 2`) as objects when every key is a string or number, else
// as an array of {key, value} pairs.

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export class TlaValueError extends Error {}

class Reader {
  private pos = 0;
  constructor(private readonly text: string) {}

  fail(what: string): never {
    throw new TlaValueError(`${what} at offset ${this.pos} of ${JSON.stringify(this.text.slice(0, 200))}`);
  }

  private skip(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos]!)) this.pos++;
  }

  private peek(s: string): boolean {
    this.skip();
    return this.text.startsWith(s, this.pos);
  }

  private eat(s: string): boolean {
    if (!this.peek(s)) return false;
    this.pos += s.length;
    return true;
  }

  private expect(s: string): void {
    if (!this.eat(s)) this.fail(`expected ${JSON.stringify(s)}`);
  }

  get offset(): number {
    return this.pos;
  }

  seek(pos: number): void {
    this.pos = pos;
  }

  atEnd(): boolean {
    this.skip();
    return this.pos >= this.text.length;
  }

  value(): Json {
    this.skip();
    if (this.eat('<<')) return this.list('>>');
    if (this.eat('{')) return this.list('}');
    if (this.eat('[')) return this.record();
    if (this.eat('(')) {
      const v = this.functionOrValue(')');
      this.expect(')');
      return v;
    }
    const c = this.text[this.pos];
    if (c === '"') return this.string();
    const m = /^-?\d+/.exec(this.text.slice(this.pos));
    if (m) {
      this.pos += m[0].length;
      return Number(m[0]);
    }
    const id = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.text.slice(this.pos));
    if (id) {
      this.pos += id[0].length;
      if (id[0] === 'TRUE') return true;
      if (id[0] === 'FALSE') return false;
      return id[0];
    }
    return this.fail('unexpected character');
  }

  /** A value that may be followed by `:>`, making it a function `k :> v @@ ...`. */
  functionOrValue(close: string): Json {
    const first = this.value();
    if (!this.peek(':>')) return first;
    const pairs: Array<[Json, Json]> = [];
    let key = first;
    for (;;) {
      this.expect(':>');
      pairs.push([key, this.value()]);
      if (!this.eat('@@')) break;
      key = this.value();
    }
    if (!this.peek(close)) this.fail(`expected ${JSON.stringify(close)}`);
    return functionToJson(pairs);
  }

  private list(close: string): Json[] {
    const items: Json[] = [];
    if (this.eat(close)) return items;
    do items.push(this.value());
    while (this.eat(','));
    this.expect(close);
    return items;
  }

  private record(): Json {
    const obj: { [k: string]: Json } = {};
    if (this.eat(']')) return obj;
    do {
      this.skip();
      const name = /^[A-Za-z0-9_]+/.exec(this.text.slice(this.pos));
      if (!name) this.fail('expected a field name');
      this.pos += name[0].length;
      this.expect('|->');
      obj[name[0]] = this.value();
    } while (this.eat(','));
    this.expect(']');
    return obj;
  }

  private string(): string {
    let out = '';
    this.pos++; // opening quote
    while (this.pos < this.text.length) {
      const c = this.text[this.pos++]!;
      if (c === '"') return out;
      if (c === '\\') {
        const e = this.text[this.pos++];
        out += e === 'n' ? '\n' : e === 't' ? '\t' : e === 'r' ? '\r' : (e ?? '');
      } else {
        out += c;
      }
    }
    return this.fail('unterminated string');
  }
}

function functionToJson(pairs: Array<[Json, Json]>): Json {
  if (pairs.every(([k]) => typeof k === 'string' || typeof k === 'number')) {
    return Object.fromEntries(pairs.map(([k, v]) => [String(k), v]));
  }
  return pairs.map(([key, value]) => ({ key, value }));
}

/** Reads one value that starts at `pos` in a longer text; returns it and where it ends. */
export function readTlaValueAt(text: string, pos: number): { value: Json; end: number } {
  const r = new Reader(text);
  r.seek(pos);
  const value = r.value();
  return { value, end: r.offset };
}

export function parseTlaValue(text: string): Json {
  const r = new Reader(text);
  const v = r.functionOrValue('');
  if (!r.atEnd()) r.fail('unexpected text after the value');
  return v;
}

/**
 * Parses a state as TLC prints it: `/\ x = 1` conjuncts, one per variable
 * (a state of one variable may lack the `/\`).
 */
export function parseTlaState(text: string): Record<string, Json> {
  const state: Record<string, Json> = {};
  const body = text.trim();
  if (body === '') return state;
  const parts = body.startsWith('/\\') ? body.split(/^\/\\ /m).filter((p) => p.trim() !== '') : [body];
  for (const part of parts) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*([\s\S]*)$/.exec(part.trim());
    if (!m) throw new TlaValueError(`not a variable assignment: ${JSON.stringify(part.slice(0, 80))}`);
    state[m[1]!] = parseTlaValue(m[2]!);
  }
  return state;
}
