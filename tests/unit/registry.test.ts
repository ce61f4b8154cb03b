import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RegistryError } from '../../common/errors.ts';
import { loadRegistryFile, parseRegistry } from '../../common/registry.ts';
import { makeTempDir } from '../helpers/temp-dir.ts';

const dir = makeTempDir();
afterAll(() => dir.remove());

const room = (id: string, sensors: unknown[] = []) => ({ id, name: { ja: '部屋', en: 'Room' }, sensors });
const facility = (id: string, rooms: unknown[]) => ({ id, name: { ja: '施設', en: 'Facility' }, kind: 'community', rooms });

function problems(data: unknown): string[] {
  try {
    parseRegistry(data, 'test.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(RegistryError);
    return [...(err as RegistryError).problems];
  }
  throw new Error('expected the registry to be refused');
}

describe('registry', () => {
  it('loads the demo registry: ≥ 8 facilities, ≥ 40 rooms, names in Japanese and English', () => {
    const r = loadRegistryFile('config/registry.demo.yaml');
    expect(r.facilities.length).toBeGreaterThanOrEqual(8);
    expect(r.rooms.length).toBeGreaterThanOrEqual(40);
    expect(r.facility('minami-sengen-nursery')?.name.ja).toBe('南浅間保育園');
    expect(r.facilities.filter((f) => f.shelter).length).toBeGreaterThanOrEqual(3);
    for (const room of r.rooms) expect(room.name.ja && room.name.en).toBeTruthy();
    expect(r.roomForDevice('native', 'nwo-1f-counter-01')).toMatchObject({ facilityId: 'nishi-ward-office', roomId: '1f-counter' });
    expect(r.roomForDevice('native', 'nobody')).toBeUndefined();
  });

  it('reports every error with its path, not just the first', () => {
    const found = problems({
      facilities: [
        facility('Bad Id', [room('ok')]),
        { id: 'no-rooms', name: { ja: 'x' }, kind: 'castle', rooms: [] },
      ],
    });
    expect(found).toEqual(expect.arrayContaining([
      expect.stringMatching(/^facilities\[0\]\.id: /),
      expect.stringMatching(/^facilities\[1\]\.name\.en: /),
      expect.stringMatching(/^facilities\[1\]\.kind: /),
      expect.stringMatching(/^facilities\[1\]\.rooms: /),
    ]));
  });

  it.each([
    ['a comma', 'a,b'], ['a space', 'a b'], ['an equals sign', 'a=b'], ['a newline', 'a\nb'], ['a quote', 'a"b'],
    ['non-ASCII', '会議室'], ['a slash', 'a/b'], ['an MQTT wildcard', 'a+b'], ['upper case', 'Room'],
  ])('refuses a room id with %s (ids appear in topics, URLs and line protocol)', (_what, id) => {
    expect(problems({ facilities: [facility('f', [room(id)])] })[0]).toMatch(/^facilities\[0\]\.rooms\[0\]\.id: must be/);
  });

  it.each([['a,b c'], ['a=b'], ['"quoted"'], ['会議室 <1>'], ['line\\break']])('accepts names with special characters: %s', (name) => {
    const r = parseRegistry({ facilities: [{ ...facility('f', [{ ...room('r'), name: { ja: name, en: name } }]) }] });
    expect(r.rooms[0]?.name.ja).toBe(name);
  });

  it('refuses sensor ids that would break a topic', () => {
    expect(problems({ facilities: [facility('f', [room('r', ['a/b'])])] })[0]).toMatch(/^facilities\[0\]\.rooms\[0\]\.sensors\[0\]/);
    expect(problems({ facilities: [facility('f', [room('r', ['#'])])] })[0]).toMatch(/sensors\[0\]/);
  });

  it('finds duplicate ids and a device assigned to two rooms', () => {
    const found = problems({
      facilities: [
        facility('f', [room('r', ['s1']), room('r', ['s1'])]),
        facility('f', [room('x', [{ airgradient: 'ECDA3B1EAAAF' }, { airgradient: 'ecda3b1eaaaf' }])]),
      ],
    });
    expect(found).toEqual(expect.arrayContaining([
      expect.stringContaining('facilities[0].rooms[1].id: duplicate room id "r"'),
      expect.stringContaining('facilities[0].rooms[1].sensors[0]: native device "s1" is already assigned at facilities[0].rooms[0].sensors[0]'),
      expect.stringContaining('facilities[1].id: duplicate facility id "f"'),
      expect.stringContaining('facilities[1].rooms[0].sensors[1]: airgradient device "ecda3b1eaaaf" is already assigned'),
    ]));
  });

  it('merges level overrides facility → room and refuses thresholds that do not rise', () => {
    const r = parseRegistry({ facilities: [{ ...facility('f', [{ ...room('a'), levels: { critical: 2000 } }, room('b')]), levels: { ventilate: 900 } }] });
    expect(r.room('f', 'a')?.thresholds).toEqual({ fair: 800, ventilate: 900, critical: 2000 });
    expect(r.room('f', 'b')?.thresholds).toEqual({ fair: 800, ventilate: 900, critical: 1500 });
    expect(problems({ facilities: [facility('f', [{ ...room('a'), levels: { ventilate: 1600 } }])] })[0]).toMatch(/^facilities\[0\]\.rooms\[0\]\.levels: thresholds must rise/);
  });

  it('validates opening hours', () => {
    expect(problems({ facilities: [{ ...facility('f', [room('a')]), hours: { weekdays: '9-5' } }] }).join('\n')).toMatch(/facilities\[0\]\.hours/);
    expect(() => parseRegistry({ facilities: [{ ...facility('f', [room('a')]), hours: { 'mon-fri': '08:45-17:15', sat: 'closed' } }] })).not.toThrow();
  });

  it('reports YAML syntax errors with their line and a missing file clearly', () => {
    const file = join(dir.path, 'broken.yaml');
    writeFileSync(file, 'facilities:\n  - id: a\n    name: { ja: x, en: y\n');
    expect(() => loadRegistryFile(file)).toThrow(/line \d+/);
    expect(() => loadRegistryFile(join(dir.path, 'missing.yaml'))).toThrow(/cannot read the file/);
    const dup = join(dir.path, 'dup.yaml');
    writeFileSync(dup, 'facilities: []\nfacilities: []\n');
    expect(() => loadRegistryFile(dup)).toThrow(/unique|duplicate/i);
  });

  it('loads JSON as well as YAML', () => {
    const file = join(dir.path, 'r.json');
    writeFileSync(file, JSON.stringify({ facilities: [facility('f', [room('a', ['s-1'])])] }));
    expect(loadRegistryFile(file).roomForDevice('native', 's-1')?.roomId).toBe('a');
  });
});
