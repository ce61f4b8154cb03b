/**
 * What a CO₂ monitor reports for the true room air: the NDIR sensors used in classroom monitors are
 * slow (a diffusion cell that takes about a minute to follow a change), carry a calibration error
 * of up to their datasheet accuracy, and add a little noise on every reading. Temperature and
 * humidity come from the same module (SCD30/SCD4x measure all three), with a self-heating offset.
 * Pure functions over an explicit state, driven by a seeded random stream.
 */
import type { RoomConditions } from './occupancy.ts';
import { CO2_MAX_PPM } from '../../common/payloads.ts';
import { gaussian, type Rng } from './random.ts';

/** The sensors found in CO₂ monitors, as DESIGN.md lists them. */
export const SENSOR_TYPES = ['scd30', 'scd4x', 's8'] as const;
/** One of the modelled sensors. */
export type SensorType = (typeof SENSOR_TYPES)[number];

/**
 * Datasheet accuracy ±(accuracyPpm + accuracyFraction × reading), repeatability noise, and the
 * response time constant. DESIGN.md gives ~60 s for all three (in a monitor's housing the
 * diffusion path dominates; the bare SCD30 cell alone is faster).
 */
export const SENSOR_SPECS: Readonly<Record<SensorType, { accuracyPpm: number; accuracyFraction: number; noisePpm: number; responseSeconds: number }>> = {
  scd30: { accuracyPpm: 30, accuracyFraction: 0.03, noisePpm: 10, responseSeconds: 60 },
  // SCD40's figure; the SCD41 is better (±2.5 %), DESIGN.md gives the range 2.5–5 %.
  scd4x: { accuracyPpm: 50, accuracyFraction: 0.05, noisePpm: 10, responseSeconds: 60 },
  s8: { accuracyPpm: 40, accuracyFraction: 0.03, noisePpm: 10, responseSeconds: 60 },
};

/** One sensor's fixed errors (drawn once per device) and its filter state. */
export type SensorState = {
  readonly type: SensorType;
  /** Calibration offset, ppm. */
  readonly offsetPpm: number;
  /** Calibration gain error (0.02 = reads 2 % high). */
  readonly gainError: number;
  /** Self-heating of the board, °C (the SCD30 and SCD4x read warm inside a closed housing). */
  readonly temperatureOffset: number;
  readonly humidityOffset: number;
  /** CO₂ inside the measurement cell, ppm; null until the first reading. */
  readonly cellPpm: number | null;
};

/** A normal draw with standard deviation `sd`, cut at ±2 sd so the datasheet bound holds. */
function boundedNormal(rng: Rng, sd: number): number {
  return Math.max(-2 * sd, Math.min(2 * sd, gaussian(rng) * sd));
}

/**
 * A new sensor with its own calibration errors. The datasheet accuracy is read as a 2-sigma bound
 * on offset and gain, so most devices sit well inside it and none outside it.
 */
export function createSensorState(type: SensorType, rng: Rng): SensorState {
  const spec = SENSOR_SPECS[type];
  return {
    type,
    offsetPpm: boundedNormal(rng, spec.accuracyPpm / 2),
    gainError: boundedNormal(rng, spec.accuracyFraction / 2),
    temperatureOffset: 0.3 + 1.2 * rng(),
    humidityOffset: boundedNormal(rng, 1.5),
    cellPpm: null,
  };
}

/** First-order lag, exact for an input that is constant over the step: y → x with time constant τ. */
export function firstOrderResponse(previous: number, input: number, dtSeconds: number, tauSeconds: number): number {
  if (dtSeconds <= 0 || tauSeconds <= 0) return tauSeconds <= 0 ? input : previous;
  return input + (previous - input) * Math.exp(-dtSeconds / tauSeconds);
}

/**
 * One CO₂ reading: the cell follows the room air with the sensor's lag, then calibration error and
 * noise apply. The result is an integer ppm within what the message contract accepts.
 */
export function measureCo2(state: SensorState, roomPpm: number, dtSeconds: number, rng: Rng): { state: SensorState; co2: number } {
  const spec = SENSOR_SPECS[state.type];
  // A sensor switched on in a room has warmed up before its first reading (preheat zeros: the `warmup` fault, faults.ts).
  const cellPpm = state.cellPpm === null ? roomPpm : firstOrderResponse(state.cellPpm, roomPpm, dtSeconds, spec.responseSeconds);
  const reading = cellPpm * (1 + state.gainError) + state.offsetPpm + gaussian(rng) * spec.noisePpm;
  const co2 = Math.min(CO2_MAX_PPM, Math.max(1, Math.round(reading)));
  return { state: { ...state, cellPpm }, co2 };
}

const DAY_MS = 86_400_000;
const JST_OFFSET_MS = 9 * 3_600_000;

/** True air temperature (°C) and relative humidity (%) of a room: season, time of day, people, windows. */
export function indoorClimate(simTimeMs: number, conditions: RoomConditions, volumeM3: number): { temperature: number; humidity: number } {
  const local = simTimeMs + JST_OFFSET_MS;
  const dayOfYear = (local / DAY_MS) % 365.2425;
  const hour = (((local % DAY_MS) + DAY_MS) % DAY_MS) / 3_600_000;
  const season = Math.cos((2 * Math.PI * (dayOfYear - 215)) / 365.2425); // +1 early August, −1 early February
  // Yokohama outdoors: ~6 °C in February, ~27 °C in August.
  const outdoor = 16.5 + 10.5 * season + 3 * Math.cos((2 * Math.PI * (hour - 14)) / 24);
  // Indoors is heated or cooled towards comfort but not all the way (Japanese classrooms run 17–27 °C).
  const density = conditions.occupants / Math.max(1, volumeM3);
  let temperature = 22 + 4.5 * season + 0.8 * Math.cos((2 * Math.PI * (hour - 15)) / 24) + Math.min(3, 8 * density);
  if (conditions.windowsOpen) temperature += 0.3 * (outdoor - temperature);
  // Humid summers, dry winters; people add moisture.
  let humidity = 50 + 13 * Math.cos((2 * Math.PI * (dayOfYear - 200)) / 365.2425) + Math.min(10, 30 * density);
  if (conditions.windowsOpen) humidity += 0.2 * (55 + 15 * season - humidity);
  return { temperature, humidity: Math.max(15, Math.min(85, humidity)) };
}

/** Temperature and humidity as the sensor reports them: with its offsets and noise, one decimal. */
export function measureClimate(state: SensorState, truth: { temperature: number; humidity: number }, rng: Rng): { temperature: number; humidity: number } {
  const temperature = truth.temperature + state.temperatureOffset + gaussian(rng) * 0.1;
  const humidity = truth.humidity + state.humidityOffset + gaussian(rng) * 0.5;
  return {
    temperature: Math.round(Math.max(-40, Math.min(85, temperature)) * 10) / 10,
    humidity: Math.round(Math.max(0, Math.min(100, humidity)) * 10) / 10,
  };
}
