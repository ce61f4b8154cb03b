/**
 * How a faulty reading looks on the wire, per firmware: the encoders (formats.ts) build what a
 * healthy device sends, and this module bends it the way the firmware bends it when the sensor or
 * the network misbehaves. Pure functions of (device kind, messages, fault decision).
 */
import type { DeviceKind } from '../../common/registry.ts';
import type { FaultedReading } from './faults.ts';
import type { SimMessage } from './formats.ts';

/**
 * A NaN reading as each firmware reports it: JSON has no NaN, so native (ArduinoJson) firmware
 * writes `null`; ESPHome publishes the state text `nan`; AirGradient leaves `rco2` out when its
 * sensor fails; Tasmota's SCD/MH-Z drivers report 0.
 */
function nanAsFirmware(kind: DeviceKind, m: SimMessage): SimMessage {
  switch (kind) {
    case 'native':
      return m; // JSON.stringify already wrote null
    case 'esphome':
      return m.payload === 'NaN' ? { ...m, payload: 'nan' } : m;
    case 'airgradient': {
      const json = JSON.parse(m.payload) as Record<string, unknown>;
      delete json.rco2;
      return { ...m, payload: JSON.stringify(json) };
    }
    case 'tasmota':
      return { ...m, payload: m.payload.replace(/"CarbonDioxide":null,"eCO2":null/, '"CarbonDioxide":0,"eCO2":0') };
  }
}

/** Pads a message to `bytes` while keeping JSON valid: only its size is wrong. */
function pad(m: SimMessage, bytes: number): SimMessage {
  const missing = Math.max(0, bytes - Buffer.byteLength(m.payload));
  if (m.payload.endsWith('}')) {
    const filler = 'x'.repeat(Math.max(0, missing - 10));
    return { ...m, payload: `${m.payload.slice(0, -1)},"debug":"${filler}"}` };
  }
  return { ...m, payload: m.payload + ' '.repeat(missing) };
}

/**
 * A message cut short, as when a firmware's output buffer is too small or the Wi-Fi stack
 * truncates: half of a JSON object is never valid JSON. ESPHome's plain-text states become a
 * garbled number instead (which the ingest rejects as invalid, not as JSON).
 */
function truncate(m: SimMessage): SimMessage {
  if (m.payload.startsWith('{')) return { ...m, payload: m.payload.slice(0, Math.max(1, Math.floor(m.payload.length / 2))) };
  return { ...m, payload: `${m.payload.slice(0, 1)}\u00ff` };
}

/**
 * Applies the wire faults of one reading to its messages. The CO₂-bearing message is the last one
 * (ESPHome sends temperature and humidity first); the others go out unchanged.
 */
export function applyWireFaults(kind: DeviceKind, messages: readonly SimMessage[], f: FaultedReading): SimMessage[] {
  const out = [...messages];
  const last = out.length - 1;
  const co2 = out[last];
  if (!co2) return out;
  let m = co2;
  if (f.injected.includes('nan')) m = nanAsFirmware(kind, m);
  if (f.oversizeBytes > 0) m = pad(m, f.oversizeBytes);
  if (f.malformed) m = truncate(m);
  out[last] = m;
  return out;
}
