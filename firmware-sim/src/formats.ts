/**
 * What a simulated device puts on the wire, per firmware family: the Kanki contract for native ids,
 * and the real formats of Tasmota, ESPHome and AirGradient for devices the registry names that way
 * (the same shapes as DESIGN.md and tests/fixtures, key order included, so the ingest's decoders
 * meet the simulator exactly as they meet real devices). Pure functions of (device, reading, time).
 */
import type { ReadingPayload } from '../../common/payloads.ts';
import { deviceKey, type DeviceKind, type SensorRef } from '../../common/registry.ts';
import { buildSensorReadingTopic, buildSensorStatusTopic } from '../../common/topics.ts';

/** One simulated device's identity: its firmware family and the id that family publishes under. */
export type SimDeviceRef = {
  kind: DeviceKind;
  /** Native sensor id, Tasmota `%topic%`, ESPHome prefix or AirGradient serial (lower case). */
  id: string;
  /** ESPHome only: object ids per quantity, as mapped in the registry (default `co2`, `temperature`, `humidity`). */
  objects?: Partial<Record<'co2' | 'temperature' | 'humidity', string>>;
};

/** One MQTT message. */
export type SimMessage = { topic: string; payload: string; retain: boolean };

/**
 * A device's availability topic: `online` is published retained after each connect, `offline` is
 * its Last Will and what it publishes itself on a clean close. Null: the firmware has none.
 */
export type Availability = { topic: string; online: string; offline: string };

/** The simulated device of a registry sensor reference. */
export function simDeviceOf(ref: SensorRef): SimDeviceRef {
  const { kind, id } = deviceKey(ref);
  const objects = typeof ref === 'object' && 'esphome' in ref ? ref.objects : undefined;
  return objects ? { kind, id, objects } : { kind, id };
}

/** A key unique over all firmware families (a Tasmota topic may equal a native id). */
export function simDeviceKey(device: SimDeviceRef): string {
  return device.kind === 'native' ? device.id : `${device.kind}:${device.id}`;
}

/** 32-bit FNV-1a: stable per-device numbers (client ids, Wi-Fi strength) without a random stream. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

const hex6 = (text: string) => (hash(text) & 0xffffff).toString(16).toUpperCase().padStart(6, '0');

/**
 * The MQTT client id each firmware uses by default: Tasmota `DVES_` + the chip id's last six hex
 * digits, ESPHome `{name}-{mac}`, AirGradient `airgradient-{serial}`. Native devices use their id.
 * (The username, which the broker's ACL binds the topics to, is always the device id.)
 */
export function clientIdOf(device: SimDeviceRef): string {
  switch (device.kind) {
    case 'native':
      return device.id;
    case 'tasmota':
      return `DVES_${hex6(device.id)}`;
    case 'esphome':
      return `${device.id.replaceAll('/', '-')}-${hex6(device.id).toLowerCase()}`;
    case 'airgradient':
      return `airgradient-${device.id}`;
  }
}

/** Where the device says it is online or offline; AirGradient has no such topic. */
export function availabilityOf(device: SimDeviceRef): Availability | null {
  switch (device.kind) {
    case 'native':
      return { topic: buildSensorStatusTopic(device.id), online: 'online', offline: 'offline' };
    case 'tasmota':
      // Tasmota's LWT: retained `Online` after connect, `Offline` as its will.
      return { topic: `tele/${device.id}/LWT`, online: 'Online', offline: 'Offline' };
    case 'esphome':
      return { topic: `${device.id}/status`, online: 'online', offline: 'offline' };
    case 'airgradient':
      return null;
  }
}

const JST_OFFSET_MS = 9 * 3_600_000;

/**
 * Tasmota's `Time`: local time without a zone (`2024-01-01T10:31:09`). The simulated facilities are
 * in Japan, so a device configured with `TimeZone 9` prints JST.
 */
export function formatTasmotaTime(timeMs: number): string {
  return new Date(Math.floor(timeMs / 1000) * 1000 + JST_OFFSET_MS).toISOString().slice(0, 19);
}

/** Tasmota's dew point (`CalcTempHumToDew`, Magnus with 17.62 / 243.5), one decimal like its temperatures. */
export function tasmotaDewPoint(temperature: number, humidity: number): number {
  const gamma = Math.log(Math.max(humidity, 0.1) / 100) + (17.62 * temperature) / (243.5 + temperature);
  return round((243.5 * gamma) / (17.62 - gamma), 1);
}

const round = (v: number, decimals: number) => Math.round(v * 10 ** decimals) / 10 ** decimals;

function tasmotaSensor(device: SimDeviceRef, r: ReadingPayload, timeMs: number): SimMessage {
  const scd40: Record<string, number> = { CarbonDioxide: r.co2 };
  // eCO2 is the driver's running average of CarbonDioxide; a stateless encoder reports the current value.
  scd40.eCO2 = r.co2;
  if (r.temperature !== undefined) scd40.Temperature = r.temperature;
  if (r.humidity !== undefined) scd40.Humidity = r.humidity;
  if (r.temperature !== undefined && r.humidity !== undefined) scd40.DewPoint = tasmotaDewPoint(r.temperature, r.humidity);
  const payload = { Time: formatTasmotaTime(timeMs), SCD40: scd40, TempUnit: 'C' };
  return { topic: `tele/${device.id}/SENSOR`, payload: JSON.stringify(payload), retain: false };
}

/**
 * ESPHome: one message per sensor, formatted with its `accuracy_decimals` (CO₂ 0, temperature and
 * humidity 1). Temperature and humidity go first: the ingest attaches the latest of each to the
 * next CO₂ value, so this order gives every reading its companions.
 */
function esphomeStates(device: SimDeviceRef, r: ReadingPayload): SimMessage[] {
  const state = (quantity: 'co2' | 'temperature' | 'humidity', value: number, decimals: number): SimMessage => ({
    topic: `${device.id}/sensor/${device.objects?.[quantity] ?? quantity}/state`,
    payload: value.toFixed(decimals),
    retain: false,
  });
  const out: SimMessage[] = [];
  if (r.temperature !== undefined) out.push(state('temperature', r.temperature, 1));
  if (r.humidity !== undefined) out.push(state('humidity', r.humidity, 1));
  out.push(state('co2', r.co2, 0));
  return out;
}

/**
 * AirGradient ONE (firmware 3.1.3): raw `atmp`/`rhum` come from the SHT4x inside the warm case and
 * `atmpCompensated`/`rhumCompensated` are the firmware's correction, which the simulator's reading
 * stands for; the raw values are derived back from it (warmer, drier, as in the fixture). `boot`
 * counts measurement cycles since start-up, i.e. the sequence number.
 */
function airgradientReading(device: SimDeviceRef, r: ReadingPayload): SimMessage {
  const seq = typeof r.seq === 'number' ? r.seq : 0;
  const temperature = typeof r.temperature === 'number' ? r.temperature : 24;
  const humidity = typeof r.humidity === 'number' ? r.humidity : 45;
  const h = hash(`${device.id}|${seq}`);
  const payload = {
    wifi: -40 - (hash(device.id) % 30),
    serialno: device.id,
    rco2: r.co2,
    pm02: 2 + (h % 8),
    atmp: round(temperature + 1.4, 2),
    atmpCompensated: round(temperature, 2),
    rhum: Math.max(0, Math.round(humidity - 6)),
    rhumCompensated: Math.round(humidity),
    tvocIndex: 90 + ((h >>> 8) % 30),
    noxIndex: 1,
    boot: seq,
    firmware: '3.1.3',
    model: 'I-9PSL',
  };
  return { topic: `airgradient/readings/${device.id}`, payload: JSON.stringify(payload), retain: false };
}

/**
 * The messages one reading makes, in publishing order. `reading` is the contract payload the
 * simulator built (native devices send exactly it); `timeMs` is the simulated time it was taken.
 */
export function encodeReading(device: SimDeviceRef, reading: ReadingPayload, timeMs: number): SimMessage[] {
  switch (device.kind) {
    case 'native':
      return [{ topic: buildSensorReadingTopic(device.id), payload: JSON.stringify(reading), retain: false }];
    case 'tasmota':
      return [tasmotaSensor(device, reading, timeMs)];
    case 'esphome':
      return esphomeStates(device, reading);
    case 'airgradient':
      return [airgradientReading(device, reading)];
  }
}
