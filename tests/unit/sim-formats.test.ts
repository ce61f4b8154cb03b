// The simulator's third-party encoders against the real payloads in tests/fixtures, and through the
// ingest's own decoders: what the simulator sends must look and decode like the real devices.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ReadingPayloadSchema } from '../../common/payloads.ts';
import { parseRegistry } from '../../common/registry.ts';
import { airgradientDecoder } from '../../ingest/src/decoders/airgradient.ts';
import { createEsphomeDecoder } from '../../ingest/src/decoders/esphome.ts';
import { tasmotaDecoder } from '../../ingest/src/decoders/tasmota.ts';
import { selectSensors } from '../../firmware-sim/src/app.ts';
import {
  availabilityOf, clientIdOf, encodeReading, formatTasmotaTime, simDeviceOf, tasmotaDewPoint, type SimDeviceRef,
} from '../../firmware-sim/src/formats.ts';

const fixture = (path: string) => readFileSync(new URL(`../fixtures/${path}`, import.meta.url), 'utf8').trim();
const fixtureJson = (path: string) => JSON.parse(fixture(path)) as Record<string, unknown>;

/** Keys in order, recursively: the shape a strict consumer (or a byte-comparing test) sees. */
const shape = (v: unknown): unknown =>
  v !== null && typeof v === 'object' ? Object.entries(v).map(([k, x]) => [k, shape(x)]) : typeof v;

const tasmota: SimDeviceRef = { kind: 'tasmota', id: 'co2-lobby' };
const esphome: SimDeviceRef = { kind: 'esphome', id: 'gym-co2' };
const airgradient: SimDeviceRef = { kind: 'airgradient', id: 'ecda3b1eaaaf' };
// 2024-01-01T10:31:09 in Japan, the fixtures' Tasmota time.
const AT = Date.parse('2024-01-01T10:31:09+09:00');

describe('Tasmota', () => {
  const [message] = encodeReading(tasmota, { co2: 1204, temperature: 28.8, humidity: 47.5, seq: 3 }, AT);

  it('publishes tele/{topic}/SENSOR in the shape of a real SCD40, local time without a zone', () => {
    expect(message).toMatchObject({ topic: 'tele/co2-lobby/SENSOR', retain: false });
    const real = fixtureJson('tasmota/scd40.json');
    // eCO2 is the driver's running average; every other byte is the real device's.
    expect(message?.payload).toBe(JSON.stringify({ ...real, SCD40: { ...(real.SCD40 as object), eCO2: 1204 } }));
    expect(shape(JSON.parse(message?.payload ?? ''))).toEqual(shape(real));
  });

  it('decodes with the ingest to the reading it was made from', () => {
    expect(tasmotaDecoder.decode(message?.topic ?? '', Buffer.from(message?.payload ?? ''))).toEqual({
      type: 'reading', device: tasmota, co2: 1204, temperature: 28.8, humidity: 47.5, seq: 1704105069,
    });
  });

  it('prints Japan time, and the dew point as Tasmota computes it', () => {
    expect(formatTasmotaTime(Date.parse('2026-11-23T23:59:59.900Z'))).toBe('2026-11-24T08:59:59');
    expect(tasmotaDewPoint(28.8, 47.5)).toBe(16.5);
  });

  it('uses the retained LWT Online/Offline of the fixtures and a Tasmota client id', () => {
    expect(availabilityOf(tasmota)).toEqual({ topic: 'tele/co2-lobby/LWT', online: fixture('tasmota/lwt-online.txt'), offline: fixture('tasmota/lwt-offline.txt') });
    expect(clientIdOf(tasmota)).toMatch(/^DVES_[0-9A-F]{6}$/);
  });
});

describe('ESPHome', () => {
  it('publishes temperature and humidity before CO₂, as plain numbers with ESPHome accuracy', () => {
    const messages = encodeReading(esphome, { co2: 812, temperature: 24.1, humidity: 45.2, seq: 0 }, AT);
    expect(messages).toEqual([
      { topic: 'gym-co2/sensor/temperature/state', payload: '24.1', retain: false },
      { topic: 'gym-co2/sensor/humidity/state', payload: fixture('esphome/humidity.txt'), retain: false },
      { topic: 'gym-co2/sensor/co2/state', payload: fixture('esphome/co2.txt'), retain: false },
    ]);
    // The fixture device used accuracy_decimals 2; the value is the same.
    expect(Number(messages[0]?.payload)).toBe(Number(fixture('esphome/temperature.txt')));
    expect(encodeReading(esphome, { co2: 812.4, temperature: 24, humidity: 45, seq: 1 }, AT).map((m) => m.payload)).toEqual(['24.0', '45.0', '812']);
  });

  it('uses the object ids mapped in the registry, and the ingest decodes them into one reading', () => {
    const registry = parseRegistry({ facilities: [{ id: 'f', name: { ja: 'f', en: 'f' }, kind: 'school', rooms: [
      { id: 'gym', name: { ja: 'g', en: 'g' }, sensors: [{ esphome: 'school/gym', objects: { co2: 'scd40_co2', temperature: 'air_t' } }] },
    ] }] });
    const device = simDeviceOf(registry.rooms[0]?.sensors[0] ?? '');
    const messages = encodeReading(device, { co2: 950, temperature: 21.3, humidity: 40.5, seq: 0 }, AT);
    expect(messages.map((m) => m.topic)).toEqual(['school/gym/sensor/air_t/state', 'school/gym/sensor/humidity/state', 'school/gym/sensor/scd40_co2/state']);
    const decoder = createEsphomeDecoder({ registry });
    const results = messages.map((m) => decoder.decode(m.topic, Buffer.from(m.payload)));
    expect(results.at(-1)).toEqual({ type: 'reading', device: { kind: 'esphome', id: 'school/gym' }, co2: 950, temperature: 21.3, humidity: 40.5 });
  });

  it('uses the retained status online/offline of the fixtures', () => {
    expect(availabilityOf(esphome)).toEqual({ topic: 'gym-co2/status', online: fixture('esphome/status-online.txt'), offline: fixture('esphome/status-offline.txt') });
  });
});

describe('AirGradient', () => {
  const [message] = encodeReading(airgradient, { co2: 447, temperature: 24.47, humidity: 49, seq: 6 }, AT);

  it('publishes airgradient/readings/{serial} with the keys of a real ONE, in order', () => {
    expect(message).toMatchObject({ topic: 'airgradient/readings/ecda3b1eaaaf', retain: false });
    const real = fixtureJson('airgradient/one.json');
    const sent = JSON.parse(message?.payload ?? '') as Record<string, unknown>;
    expect(shape(sent)).toEqual(shape(real));
    // Wi-Fi strength, PM2.5 and the VOC index are per device and reading; the rest is the real device's.
    expect({ ...sent, wifi: real.wifi, pm02: real.pm02, tvocIndex: real.tvocIndex }).toEqual(real);
    expect(message?.payload).toBe(JSON.stringify({ ...real, wifi: sent.wifi, pm02: sent.pm02, tvocIndex: sent.tvocIndex }));
    expect(sent.wifi).toBeGreaterThanOrEqual(-70);
    expect(sent.wifi).toBeLessThan(-39);
  });

  it('decodes with the ingest to the compensated values, and has no status topic', () => {
    expect(airgradientDecoder.decode(message?.topic ?? '', Buffer.from(message?.payload ?? ''))).toMatchObject({
      type: 'reading', device: airgradient, co2: 447, temperature: 24.47, humidity: 49,
    });
    expect(availabilityOf(airgradient)).toBeNull();
  });
});

describe('native devices and the registry', () => {
  it('send exactly the contract payload on the Kanki topics', () => {
    const reading = { co2: 812, temperature: 24.1, humidity: 45.2, ts: '2026-11-23T01:02:03.000Z', seq: 1234 };
    const [message] = encodeReading({ kind: 'native', id: 'nwo-1f-01' }, reading, AT);
    expect(message).toEqual({ topic: 'kanki/v1/sensors/nwo-1f-01/reading', payload: JSON.stringify(reading), retain: false });
    expect(ReadingPayloadSchema.safeParse(JSON.parse(message?.payload ?? '')).success).toBe(true);
    expect(availabilityOf({ kind: 'native', id: 'nwo-1f-01' })).toEqual({ topic: 'kanki/v1/sensors/nwo-1f-01/status', online: 'online', offline: 'offline' });
  });

  it('selects every device of the registry with its firmware, keyed apart per firmware', () => {
    const registry = parseRegistry({ facilities: [{ id: 'f', name: { ja: 'f', en: 'f' }, kind: 'hall', rooms: [
      { id: 'a', name: { ja: 'a', en: 'a' }, sensors: ['co2-lobby', { tasmota: 'co2-lobby' }] },
      { id: 'b', name: { ja: 'b', en: 'b' }, sensors: [{ esphome: 'gym-co2' }, { airgradient: 'ECDA3B1EAAAF' }] },
    ] }] });
    expect(selectSensors(registry).map((s) => [s.sensorId, s.room.roomId, s.device])).toEqual([
      ['co2-lobby', 'a', { kind: 'native', id: 'co2-lobby' }],
      ['tasmota:co2-lobby', 'a', { kind: 'tasmota', id: 'co2-lobby' }],
      ['esphome:gym-co2', 'b', { kind: 'esphome', id: 'gym-co2' }],
      ['airgradient:ecda3b1eaaaf', 'b', { kind: 'airgradient', id: 'ecda3b1eaaaf' }],
    ]);
  });
});
