// Reading a configuration document from text, as a hostile or careless input:
// bounded in size and depth before it is parsed, a byte-order mark accepted,
// and a syntax error reported by line and column only. JSON.parse's own
// message quotes the text around the error, which may be a secret.

import { ConfigInvalidError } from '../errors.ts';

/** A configuration file is a few KiB; anything near this is not one. */
export const MAX_CONFIG_BYTES = 1024 * 1024;
/** Sections hold settings, a list setting holds strings: three levels are the most a valid document has. */
const MAX_DEPTH = 16;

function refuse(file: string, rule: string, message: string): never {
  throw new ConfigInvalidError([{ field: '(document)', rule, message: `${file}: ${message}` }]);
}

function lineColumn(text: string, at: number): string {
  let line = 1;
  let col = 1;
  for (let i = 0; i < at && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      col = 1;
    } else {
      col++;
    }
  }
  return `line ${line}, column ${col}`;
}

/**
 * Where the text stops being JSON, or -1 when it is JSON: a small scanner
 * with its own stack, so that no input can exhaust the call stack, and that
 * gives up past MAX_DEPTH.
 */
function firstError(text: string): { at: number; tooDeep: boolean } | undefined {
  let i = 0;
  const stack: Array<'{' | '['> = [];
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const bad = (tooDeep = false) => ({ at: i, tooDeep });
  const string = (): boolean => {
    i++;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 34) {
        i++;
        return true;
      }
      if (c < 0x20) return false;
      if (c === 92) {
        const e = text[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) return false;
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) {
          i += 2;
        } else {
          return false;
        }
      } else {
        i++;
      }
    }
    return false;
  };
  const scalar = (): boolean => {
    const m = /^(?:-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i, i + 400));
    if (!m) return false;
    i += m[0].length;
    return true;
  };
  // value: after it, the container (if any) expects "," or its closer.
  let expectValue = true;
  for (;;) {
    ws();
    if (expectValue) {
      const c = text[i];
      if (c === '{' || c === '[') {
        if (stack.length >= MAX_DEPTH) return bad(true);
        stack.push(c);
        i++;
        ws();
        if (text[i] === (c === '{' ? '}' : ']')) {
          stack.pop();
          i++;
          expectValue = false;
          continue;
        }
        if (c === '{') {
          if (text[i] !== '"' || !string()) return bad();
          ws();
          if (text[i] !== ':') return bad();
          i++;
        }
        continue;
      }
      if (c === '"' ? !string() : !scalar()) return bad();
      expectValue = false;
      continue;
    }
    const top = stack[stack.length - 1];
    if (!top) return i === text.length ? undefined : bad();
    const c = text[i];
    if (c === ',') {
      i++;
      if (top === '{') {
        ws();
        if (text[i] !== '"' || !string()) return bad();
        ws();
        if (text[i] !== ':') return bad();
        i++;
      }
      expectValue = true;
    } else if (c === (top === '{' ? '}' : ']')) {
      stack.pop();
      i++;
    } else {
      return bad();
    }
  }
}

/** A file too large to be a configuration: refused before it is read. */
export function refuseLarge(file: string, bytes: number): void {
  if (bytes > MAX_CONFIG_BYTES) {
    refuse(file, `must be at most ${MAX_CONFIG_BYTES / 1024} KiB`, `is larger than ${MAX_CONFIG_BYTES / 1024} KiB: not a configuration file`);
  }
}

/** The document in `text` (the contents of `file`), or a refusal that echoes none of it. */
export function parseConfigText(text: string, file: string): unknown {
  refuseLarge(file, Buffer.byteLength(text));
  // Editors on other systems save a byte-order mark; it is not part of the document.
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const err = firstError(body);
  if (err?.tooDeep) refuse(file, 'must be valid JSON', `must be valid JSON: nested more than ${MAX_DEPTH} levels deep at ${lineColumn(body, err.at)}`);
  if (err) refuse(file, 'must be valid JSON', `must be valid JSON: it is not, at ${lineColumn(body, err.at)}`);
  return JSON.parse(body);
}
