/**
 * `npm run bench:engine`: nanoseconds per `onReading` of the pure alert engine, for a room with 1
 * and 3 sensors whose window holds 30 readings (ten sensors at one reading a minute over 3 min) or
 * 256 (the `maxWindowReadings` bound, which `npm run bench`'s one reading per 0.4 s per room reaches).
 *   npm run bench:engine -- --readings 50000 --repeats 5
 * Readings arrive in time order with ±40 ppm of noise around 600 ppm, so the room stays good and
 * no step emits an event: this is the steady-state cost the ingest pays on every reading.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { DEFAULT_THRESHOLDS } from '../common/levels.ts';
import { initialRoomAlertState, onReading, type RoomAlertState } from '../ingest/src/alerts/engine.ts';
import { DEFAULT_ALERT_RULES, type AlertRules } from '../ingest/src/alerts/rules.ts';

const Flags = z.object({
  readings: z.coerce.number().int().min(1000).max(10_000_000).default(50_000),
  repeats: z.coerce.number().int().min(1).max(50).default(5),
});
const { values } = parseArgs({ options: { readings: { type: 'string' }, repeats: { type: 'string' } } });
const flags = Flags.parse(values);

type Case = { sensors: number; window: number };
const CASES: Case[] = [
  { sensors: 1, window: 30 }, { sensors: 3, window: 30 },
  { sensors: 1, window: 256 }, { sensors: 3, window: 256 },
];

/** A deterministic noise source, so every run and every version of the engine sees the same readings. */
function createNoise(seed: number): () => number {
  let x = seed;
  return () => {
    x = (Math.imul(x, 1_103_515_245) + 12_345) >>> 0;
    return (x >>> 8) / 0x1000000;
  };
}

/**
 * ns per `onReading` for one case: the window spans 3 minutes and readings are spaced so that it
 * holds `window` of them (for 256, 450 would fit and the bound keeps 256, as in the e2e benchmark).
 */
function measure(c: Case, readings: number): number {
  const rules: AlertRules = { ...DEFAULT_ALERT_RULES, windowMs: 180_000 };
  const spacing = c.window >= rules.maxWindowReadings ? 400 : rules.windowMs / c.window;
  const noise = createNoise(42);
  let state: RoomAlertState = initialRoomAlertState();
  let t = 1_800_000_000_000;
  const step = () => {
    t += spacing;
    // A fresh id string per reading, as the ingest's are (each parsed from its message's topic).
    const reading = { sensor: `bench-${(t / spacing) % c.sensors}`, time: t, co2: 560 + Math.round(noise() * 80), quality: 'ok' };
    state = onReading(state, reading, rules, DEFAULT_THRESHOLDS, t).state;
  };
  // Fill the window and let the JIT settle before timing.
  for (let i = 0; i < Math.max(5000, 3 * c.window); i++) step();
  const started = process.hrtime.bigint();
  for (let i = 0; i < readings; i++) step();
  const ns = Number(process.hrtime.bigint() - started) / readings;
  if (state.window.length !== c.window) throw new Error(`window holds ${state.window.length} readings, expected ${c.window}`);
  if (state.level !== 'good') throw new Error(`the room should be good, is ${state.level}`);
  return ns;
}

console.log(`alert engine onReading: ${flags.readings} readings per case, median of ${flags.repeats} runs (Node ${process.version})`);
for (const c of CASES) {
  const runs = Array.from({ length: flags.repeats }, () => measure(c, flags.readings)).sort((a, b) => a - b);
  const median = runs[runs.length >> 1] as number;
  console.log(`${c.sensors} sensor${c.sensors > 1 ? 's' : ' '}, window ${String(c.window).padStart(3)}: ${median.toFixed(0).padStart(6)} ns/reading  (runs ${runs.map((r) => r.toFixed(0)).join(', ')})`);
}
