/**
 * InfluxDB line protocol for `Reading`s, and InfluxQL quoting. Encoding is plain string
 * concatenation with a regex fast path: ids almost never need escaping, so the common case
 * allocates nothing but the line itself (node-influx's point objects cost ~35 % of ingest).
 *
 * Escaping follows what InfluxDB 1.x/2.x (Go `models` package) actually parse, checked on 1.6.7:
 * in tag values `,` ` ` `=` are escaped with a backslash, and any byte right after a backslash
 * counts as escaped; but a backslash itself is *not* unescaped — `a\b` is stored as `a\b` and
 * `a\\b` as `a\\b`. So backslashes pass through unchanged and ids with them round-trip exactly,
 * with two exceptions line protocol cannot represent: a newline (kept on its line by a backslash,
 * which the server then keeps) and a backslash at the very end of a value (it would escape the
 * separator after it; it is replaced by `＼`, U+FF3C). Both still write the point, so nothing
 * can be injected and the rest of the batch is safe; `storedTagValue` says what the server holds.
 * The registry forbids such ids anyway.
 */
import type { Reading } from '../reading.ts';

/** Measurement of raw readings. */
export const MEASUREMENT = 'air';

const TAG_SPECIAL = /[,= \\\n]/;
/** Stands in for a backslash that ends a tag value (see `escapeTag`): FULLWIDTH REVERSE SOLIDUS. */
const TRAILING_BACKSLASH = '\uff3c';
const FIELD_SPECIAL = /["\\]/;

/** Escapes a tag value (or tag key) for line protocol; see the module comment for backslashes. */
export function escapeTag(value: string): string {
  if (!TAG_SPECIAL.test(value)) return value;
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i] as string;
    if (ch === ',' || ch === ' ' || ch === '=' || ch === '\n') out += '\\';
    out += ch;
  }
  // The parser takes any byte after a backslash as escaped, so a final backslash would swallow
  // the separator that follows the value and break the line.
  return out.endsWith('\\') ? out.slice(0, -1) + TRAILING_BACKSLASH : out;
}

/**
 * The tag value InfluxDB will hold after parsing `escapeTag(value)`: the server removes the
 * backslash before `,` ` ` `=` and nothing else. Equal to `value` for every id line protocol can
 * represent; queries use it so that even an id that could not be stored exactly is still found
 * under the name it was written with.
 */
export function storedTagValue(value: string): string {
  if (!TAG_SPECIAL.test(value)) return value;
  return escapeTag(value).replace(/\\([, =])/g, '$1');
}

/** Escapes the inside of a double-quoted string field value (`"` and `\`). */
export function escapeStringField(value: string): string {
  if (!FIELD_SPECIAL.test(value)) return value;
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i] as string;
    if (ch === '"' || ch === '\\') out += '\\';
    out += ch;
  }
  return out;
}

/**
 * One line (no trailing newline): measurement `air`, tags facility/room/sensor (sorted, as
 * InfluxDB prefers), `co2` as an integer field, temperature/humidity only when finite, `quality`
 * as a string field, time in ms. co2 is rounded because a single float co2 would fix the field's
 * type as float and every later integer write would then fail with a type conflict.
 */
export function encodeReading(r: Reading): string {
  let line =
    MEASUREMENT + ',facility=' + escapeTag(r.facility) + ',room=' + escapeTag(r.room) + ',sensor=' + escapeTag(r.sensor) +
    ' co2=' + Math.round(r.co2) + 'i';
  if (r.temperature !== undefined && Number.isFinite(r.temperature)) line += ',temperature=' + r.temperature;
  if (r.humidity !== undefined && Number.isFinite(r.humidity)) line += ',humidity=' + r.humidity;
  return line + ',quality="' + escapeStringField(r.quality) + '" ' + Math.round(r.time);
}

/** A batch body for `/write?precision=ms`: one line per reading, newline-separated. */
export function encodeReadings(readings: readonly Reading[]): string {
  let body = '';
  for (let i = 0; i < readings.length; i++) {
    if (i > 0) body += '\n';
    body += encodeReading(readings[i] as Reading);
  }
  return body;
}

// InfluxQL's scanner accepts exactly these escapes inside quotes: \\ \' \" \n (anything else is
// "bad escape"), and a raw newline ends the string with an error.
function escapeQuoted(value: string, quote: '"' | "'"): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i] as string;
    if (ch === '\\' || ch === quote) out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else out += ch;
  }
  return out;
}

/** An InfluxQL string literal: `'…'` with `\`, `'` and newline escaped. Use for tag and field values. */
export function quoteString(value: string): string {
  return "'" + escapeQuoted(value, "'") + "'";
}

/** An InfluxQL identifier: `"…"` with `\`, `"` and newline escaped. Use for databases, RPs, measurements. */
export function quoteIdent(name: string): string {
  return '"' + escapeQuoted(name, '"') + '"';
}
