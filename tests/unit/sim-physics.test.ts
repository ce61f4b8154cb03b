import { describe, expect, it } from 'vitest';
import { ReadingPayloadSchema } from '../../common/payloads.ts';
import { parseRegistry, type RoomEntry } from '../../common/registry.ts';
import { KIND_DEFAULTS, localTime, resolveRoomProfile, roomConditionsAt } from '../../firmware-sim/src/occupancy.ts';
import {
  CO2_GENERATION_LPS, outdoorCo2Ppm, secondsToReach, sourcePpmPerSecond, steadyStatePpm, stepCo2, type ZoneInputs,
} from '../../firmware-sim/src/physics.ts';
import { createKeyedRandom, createRng } from '../../firmware-sim/src/random.ts';
import { createSimRoom, takeReading } from '../../firmware-sim/src/room-sim.ts';
import { createSensorState, firstOrderResponse, measureCo2, SENSOR_SPECS, type SensorState } from '../../firmware-sim/src/sensor-model.ts';

/**
 * The MEXT classroom (DESIGN.md): 60 m² × 3 m = 180 m³, 40 pupils + a teacher, 420 ppm outdoors.
 * Its check values are reproduced by 0.0045 L/s for each of the 41 people — the 11–16 seated value,
 * i.e. ~0.016 m³/h per person — to within 0.3 %. With the 6–11 seated value (0.0030) for the pupils
 * the figures come out ~25 % lower, so MEXT's numbers are a conservative (older-pupil) design case.
 */
const MEXT_GENERATION_LPS = 41 * CO2_GENERATION_LPS.child11to16;
const mext = (ach: number): ZoneInputs => ({ generationLps: MEXT_GENERATION_LPS, volumeM3: 180, ach, outdoorPpm: 420 });

describe('single-zone mass balance', () => {
  it('converts L/s per person into ppm/s and ppm at steady state', () => {
    // 1 L/s of CO₂ into 1000 m³ is 10⁻³ m³/s ÷ 1000 m³ = 1 ppm per second.
    expect(sourcePpmPerSecond(1, 1000)).toBeCloseTo(1, 12);
    // One adult-teen (0.0045 L/s) in the classroom at 1 ACH: S/λ = 0.025 ppm/s × 3600 s = 90 ppm over outdoors.
    expect(steadyStatePpm({ generationLps: 0.0045, volumeM3: 180, ach: 1, outdoorPpm: 420 })).toBeCloseTo(510, 6);
  });

  it.each([
    [0.1, 3077],
    [1, 2361],
    [2, 1849],
    [3.2, 1465],
  ])('reproduces the MEXT classroom after a 45-minute lesson at %f ACH (≈ %i ppm)', (ach, expected) => {
    const c = stepCo2(420, 45 * 60, mext(ach));
    expect(Math.abs(c / expected - 1)).toBeLessThan(0.02);
  });

  it('takes about 10 minutes to reach 1000 ppm at 0.1–1 ACH', () => {
    for (const ach of [0.1, 0.5, 1]) {
      const minutes = secondsToReach(420, 1000, mext(ach)) / 60;
      expect(minutes).toBeGreaterThan(8.5);
      expect(minutes).toBeLessThan(11.5);
      // The closed form agrees with stepping the model itself.
      let c = 420;
      let s = 0;
      for (; c < 1000; s++) c = stepCo2(c, 1, mext(ach));
      expect(Math.abs(s - minutes * 60)).toBeLessThanOrEqual(1);
    }
  });

  it('gives the same answer for one 45-minute step as for 2700 one-second steps', () => {
    for (const ach of [0, 0.1, 3.2, 12]) {
      const one = stepCo2(420, 2700, mext(ach));
      let many = 420;
      for (let i = 0; i < 2700; i++) many = stepCo2(many, 1, mext(ach));
      expect(Math.abs(one - many)).toBeLessThan(1e-6);
    }
  });

  it('stays stable for huge steps (a --speed 3600 tick) instead of overshooting', () => {
    const z = { generationLps: 0, volumeM3: 180, ach: 12, outdoorPpm: 420 };
    const c = stepCo2(2000, 3600, z); // λΔt = 12: an Euler step would give 2000 − 12·1580 < 0
    expect(c).toBeGreaterThanOrEqual(420);
    expect(c).toBeLessThan(420.01);
  });

  it('brings a 2000 ppm room near outdoor air within minutes once windows are open (> 5 ACH)', () => {
    const emptied = { generationLps: 0, volumeM3: 180, ach: 10, outdoorPpm: 420 };
    expect(stepCo2(2000, 5 * 60, emptied)).toBeLessThan(1200); // the excess over outdoors more than halves in 5 min
    expect(stepCo2(2000, 10 * 60, emptied)).toBeLessThan(750);
    expect(stepCo2(2000, 20 * 60, emptied)).toBeLessThan(500);
    // Even with a third of the class staying in at 6 ACH, it is below 1000 within 15 minutes and heads for ~625.
    const partly = { ...emptied, ach: 6, generationLps: MEXT_GENERATION_LPS / 3 };
    expect(stepCo2(2000, 15 * 60, partly)).toBeLessThan(1000);
    expect(steadyStatePpm(partly)).toBeLessThan(650);
  });

  it('varies outdoor CO₂ slowly around 420 ppm', () => {
    const t0 = Date.parse('2026-11-24T00:00:00Z');
    const samples = Array.from({ length: 24 * 60 }, (_, i) => outdoorCo2Ppm(t0 + i * 60_000));
    expect(Math.min(...samples)).toBeGreaterThan(400);
    expect(Math.max(...samples)).toBeLessThan(440);
    expect(Math.max(...samples) - Math.min(...samples)).toBeGreaterThan(10);
    for (let i = 1; i < samples.length; i++) expect(Math.abs((samples[i] ?? 0) - (samples[i - 1] ?? 0))).toBeLessThan(0.1);
  });
});

const registry = parseRegistry({
  facilities: [
    { id: 'tobe', name: { ja: '戸部小学校', en: 'Tobe Elementary' }, kind: 'school', rooms: [
      { id: 'class-6-1', name: { ja: '6年1組', en: 'Class 6-1' }, sensors: ['c61'], volume: 180, capacity: 40 },
    ] },
    { id: 'office', name: { ja: '区役所', en: 'Ward office' }, kind: 'office', rooms: [
      { id: 'counter', name: { ja: '窓口', en: 'Counter' }, sensors: ['cnt'] },
    ] },
    { id: 'nursery', name: { ja: '保育園', en: 'Nursery' }, kind: 'nursery', rooms: [
      { id: 'age-3', name: { ja: '3歳児室', en: 'Age 3' }, sensors: ['n3'] },
    ] },
  ],
});
const classroom = registry.room('tobe', 'class-6-1') as RoomEntry;
const counter = registry.room('office', 'counter') as RoomEntry;
/** 2026-11-24 is a Tuesday; times are Japan time. */
const jst = (hhmm: string, date = '2026-11-24') => Date.parse(`${date}T${hhmm}:00+09:00`);

describe('occupancy and ventilation', () => {
  it('fills volume and capacity from the registry, else from the kind defaults', () => {
    expect(resolveRoomProfile(classroom)).toMatchObject({ use: 'classroom', volumeM3: 180, capacity: 40, group: 'child6to11' });
    expect(resolveRoomProfile(counter)).toMatchObject({ use: 'counter', volumeM3: KIND_DEFAULTS.office.volumeM3, capacity: KIND_DEFAULTS.office.capacity });
    expect(localTime(jst('08:45')).minute).toBe(525);
  });

  it('follows the Japanese elementary day: full lessons, a near-empty recess, lunch in the room, empty at night', () => {
    const p = resolveRoomProfile(classroom);
    const rand = createKeyedRandom(7);
    const lesson2 = roomConditionsAt(p, jst('10:00'), rand);
    expect(lesson2.label).toBe('lesson 2');
    expect(lesson2.occupants).toBeGreaterThanOrEqual(37); // 90–100 % attendance of 40, plus the teacher
    expect(roomConditionsAt(p, jst('10:35'), rand).occupants).toBeLessThan(10); // 中休み
    expect(roomConditionsAt(p, jst('12:50'), rand).label).toBe('lunch');
    expect(roomConditionsAt(p, jst('22:00'), rand)).toMatchObject({ occupants: 0, label: 'closed' });
  });

  it('keeps schools and offices empty at the weekend', () => {
    const rand = createKeyedRandom(7);
    for (const room of [classroom, counter]) {
      const p = resolveRoomProfile(room);
      for (const day of ['2026-11-28', '2026-11-29']) {
        for (let h = 0; h < 24; h++) expect(roomConditionsAt(p, jst(`${String(h).padStart(2, '0')}:30`, day), rand).occupants).toBe(0);
      }
    }
  });

  it('closes schools, ward counters and nurseries on a public holiday that falls on a weekday', () => {
    const rand = createKeyedRandom(7);
    const nursery = registry.room('nursery', 'age-3') as RoomEntry;
    expect(localTime(jst('10:00', '2026-11-23')).day.holiday).toBe(true); // 勤労感謝の日, a Monday
    expect(localTime(jst('10:00', '2026-11-24')).day.holiday).toBe(false);
    for (const room of [classroom, counter, nursery]) {
      const p = resolveRoomProfile(room);
      expect(roomConditionsAt(p, jst('10:00', '2026-11-23'), rand).occupants).toBe(0);
      expect(roomConditionsAt(p, jst('10:00', '2026-11-24'), rand).occupants).toBeGreaterThan(0);
    }
  });

  it('is deterministic for a seed, differs between seeds, and keeps a window decision for the whole break', () => {
    const p = resolveRoomProfile(classroom);
    const week = (seed: number) => {
      const rand = createKeyedRandom(seed);
      return Array.from({ length: 5 * 24 * 12 }, (_, i) => roomConditionsAt(p, jst('00:00') + i * 300_000, rand));
    };
    expect(week(42)).toEqual(week(42));
    expect(week(42)).not.toEqual(week(43));
    const rand = createKeyedRandom(42);
    for (const day of ['2026-11-24', '2026-11-25', '2026-11-26']) {
      const breakMinutes = ['10:26', '10:30', '10:40', '10:49'].map((t) => roomConditionsAt(p, jst(t, day), rand));
      expect(new Set(breakMinutes.map((c) => `${c.windowsOpen}/${c.ach}`)).size).toBe(1);
    }
  });

  it('opens windows in some breaks, then airs the room out', () => {
    const p = resolveRoomProfile(classroom);
    const rand = createKeyedRandom(3);
    const breaks = Array.from({ length: 20 }, (_, d) => roomConditionsAt(p, jst('10:30') + d * 86_400_000, rand)).filter((c) => c.label === 'recess');
    expect(breaks.some((c) => c.windowsOpen && c.ach > 5)).toBe(true);
    expect(breaks.some((c) => !c.windowsOpen)).toBe(true);
  });

  it('gives a school day with CO₂ above 1000 ppm in lessons and outdoor air at the weekend', () => {
    const rand = createKeyedRandom(11);
    const room = createSimRoom(classroom, ['c61'], { seed: 11, startMs: jst('06:00'), intervalMs: 60_000, sensorType: 'scd30' }, rand);
    const sensor = room.sensors[0];
    if (!sensor) throw new Error('no sensor');
    const readings: number[] = [];
    while (sensor.nextAt < jst('06:00', '2026-11-29')) readings.push(ReadingPayloadSchema.parse(takeReading(room, sensor, 60_000, rand, true)).co2);
    const tuesday = readings.slice(0, 18 * 60);
    expect(Math.max(...tuesday)).toBeGreaterThan(1000);
    expect(Math.max(...tuesday)).toBeLessThan(4000);
    const sunday = readings.slice(-12 * 60);
    expect(Math.max(...sunday)).toBeLessThan(520);
  });
});

describe('sensor model', () => {
  const perfect = (type: 'scd30' | 'scd4x' | 's8' = 'scd30'): SensorState => ({ type, offsetPpm: 0, gainError: 0, temperatureOffset: 0, humidityOffset: 0, cellPpm: null });

  it('lags a step change with a ~60 s first-order response', () => {
    expect(firstOrderResponse(420, 2000, 60, 60)).toBeCloseTo(420 + 1580 * (1 - Math.exp(-1)), 6);
    const rng = createRng(1);
    let state = measureCo2(perfect(), 420, 0, rng).state;
    const readings: number[] = [];
    for (let i = 0; i < 6; i++) {
      const m = measureCo2(state, 2000, 60, rng);
      state = m.state;
      readings.push(m.co2);
    }
    expect(Math.abs((readings[0] ?? 0) - 1419)).toBeLessThan(45); // 63 % of the step after one τ, ± noise
    expect(readings[1]).toBeGreaterThan(1700);
    expect(Math.abs((readings[5] ?? 0) - 2000)).toBeLessThan(45);
  });

  it('reports integer ppm within the datasheet accuracy, different for each device', () => {
    const rng = createRng(5);
    for (const type of ['scd30', 'scd4x', 's8'] as const) {
      const spec = SENSOR_SPECS[type];
      const errors: number[] = [];
      for (let d = 0; d < 500; d++) {
        const { co2 } = measureCo2(createSensorState(type, rng), 1200, 0, rng);
        expect(Number.isInteger(co2)).toBe(true);
        errors.push(co2 - 1200);
      }
      const bound = spec.accuracyPpm + spec.accuracyFraction * 1200 + 4 * spec.noisePpm;
      expect(Math.max(...errors.map(Math.abs))).toBeLessThanOrEqual(bound);
      const sd = Math.sqrt(errors.reduce((a, e) => a + e * e, 0) / errors.length);
      expect(sd).toBeGreaterThan(spec.accuracyPpm / 4);
    }
  });
});
