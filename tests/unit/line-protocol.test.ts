import { describe, expect, it } from 'vitest';
import {
  encodeReading, encodeReadings, escapeStringField, escapeTag, quoteIdent, quoteString, storedTagValue,
} from '../../common/store/line-protocol.ts';
import type { Reading } from '../../common/reading.ts';

const base: Reading = { facility: 'nishi-ward-office', room: '1f-counter', sensor: 'nwo-1f-01', time: 1_795_000_000_123, co2: 812, temperature: 24.1, humidity: 45.2, quality: 'ok' };

describe('encodeReading', () => {
  it('writes measurement, sorted tags, an integer co2, float fields, a quality string and ms time', () => {
    expect(encodeReading(base)).toBe('air,facility=nishi-ward-office,room=1f-counter,sensor=nwo-1f-01 co2=812i,temperature=24.1,humidity=45.2,quality="ok" 1795000000123');
  });

  it('leaves out temperature and humidity when absent or not finite', () => {
    expect(encodeReading({ ...base, temperature: undefined, humidity: Number.NaN })).toBe(
      'air,facility=nishi-ward-office,room=1f-counter,sensor=nwo-1f-01 co2=812i,quality="ok" 1795000000123',
    );
  });

  it('rounds co2 and time, so a stray fraction cannot turn co2 into a float field', () => {
    expect(encodeReading({ ...base, co2: 811.6, time: 1000.4, temperature: 20, humidity: undefined })).toBe(
      'air,facility=nishi-ward-office,room=1f-counter,sensor=nwo-1f-01 co2=812i,temperature=20,quality="ok" 1000',
    );
  });

  it('escapes tags and the quality string', () => {
    expect(encodeReading({ ...base, facility: 'a,b c=d', room: '会議室', sensor: 's', quality: 'say "hi" \\o/', temperature: undefined, humidity: undefined })).toBe(
      'air,facility=a\\,b\\ c\\=d,room=会議室,sensor=s co2=812i,quality="say \\"hi\\" \\\\o/" 1795000000123',
    );
  });

  it('joins a batch with newlines', () => {
    expect(encodeReadings([])).toBe('');
    expect(encodeReadings([base, { ...base, time: 1 }]).split('\n')).toEqual([encodeReading(base), encodeReading({ ...base, time: 1 })]);
  });
});

describe('escapeTag', () => {
  it('returns ordinary ids unchanged', () => {
    expect(escapeTag('nwo-1f-01')).toBe('nwo-1f-01');
    expect(escapeTag('南浅間保育園')).toBe('南浅間保育園');
  });

  it('escapes comma, space and equals sign', () => {
    expect(escapeTag('a,b c=d')).toBe('a\\,b\\ c\\=d');
  });

  it('passes backslashes through, since InfluxDB stores them literally', () => {
    expect(escapeTag('a\\b')).toBe('a\\b');
    expect(escapeTag('a\\\\b')).toBe('a\\\\b');
    expect(escapeTag('x\\,y')).toBe('x\\\\,y');
    expect(escapeTag('x\\ y')).toBe('x\\\\ y');
  });

  it('never ends a value with a backslash, which would swallow the next separator', () => {
    expect(escapeTag('trail\\')).toBe('trail\uff3c');
    expect(escapeTag('two\\\\')).toBe('two\\\uff3c');
    expect(escapeTag('a,\\')).toBe('a\\,\uff3c');
  });

  it('keeps a newline inside the line', () => {
    expect(escapeTag('a\nb')).toBe('a\\\nb');
  });
});

describe('storedTagValue', () => {
  it('is the id itself whenever line protocol can represent it', () => {
    for (const id of ['plain', 'a,b c=d', 'a\\b', 'x\\,y', 'x\\\\,y', '会議室']) expect(storedTagValue(id)).toBe(id);
  });
  it('predicts what the server holds for ids it cannot', () => {
    expect(storedTagValue('trail\\')).toBe('trail\uff3c');
    expect(storedTagValue('a\nb')).toBe('a\\\nb');
  });
});

describe('escapeStringField', () => {
  it('escapes double quotes and backslashes only', () => {
    expect(escapeStringField('ok')).toBe('ok');
    expect(escapeStringField('a"b\\c, d=e')).toBe('a\\"b\\\\c, d=e');
  });
});

describe('InfluxQL quoting', () => {
  it('quotes string literals', () => {
    expect(quoteString("O'Brien")).toBe("'O\\'Brien'");
    expect(quoteString('a\\b "c"\nd')).toBe("'a\\\\b \"c\"\\nd'");
  });
  it('quotes identifiers', () => {
    expect(quoteIdent('kanki_test')).toBe('"kanki_test"');
    expect(quoteIdent('we"ird\\db')).toBe('"we\\"ird\\\\db"');
  });
});
