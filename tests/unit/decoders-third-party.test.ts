// Real Tasmota, ESPHome and AirGradient payloads (tests/fixtures) through the decoders.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseRegistry } from '../../common/registry.ts';
import { airgradientDecoder } from '../../ingest/src/decoders/airgradient.ts';
import type { DecodeResult } from '../../ingest/src/decoders/decoder.ts';
import { createEsphomeDecoder } from '../../ingest/src/decoders/esphome.ts';
import { createDecoders, decodeMessage } from '../../ingest/src/decoders/index.ts';
import { tasmotaDecoder } from '../../ingest/src/decoders/tasmota.ts';

const fixture = (path: string) => readFileSync(new URL(`../fixtures/${path}`, import.meta.url));

const tasmota = { kind: 'tasmota', id: 'co2-lobby' } as const;
const esphome = { kind: 'esphome', id: 'gym-co2' } as const;
const airgradient = { kind: 'airgradient', id: 'ecda3b1eaaaf' } as const;

describe('Tasmota', () => {
  const decode = (file: string, topic = 'tele/co2-lobby/SENSOR') => tasmotaDecoder.decode(topic, fixture(`tasmota/${file}`));

  it.each<[string, DecodeResult]>([
    // `seq`: the message's `Time` in seconds (zone or not), so a QoS 1 redelivery is recognised.
    ['scd40.json', { type: 'reading', device: tasmota, co2: 1204, temperature: 28.8, humidity: 47.5, seq: 1704105069 }],
    ['scd30.json', { type: 'reading', device: tasmota, co2: 873, temperature: 23.4, humidity: 51.2, seq: 1704105129 }],
    ['mhz19b.json', { type: 'reading', device: tasmota, co2: 655, temperature: 26, seq: 1704105189 }],
    // A zone in `Time` makes it a real instant; without one (above) the receive time is used.
    ['scd40-zoned-time.json', { type: 'reading', device: tasmota, co2: 1204, temperature: 28.8, humidity: 47.5, time: Date.parse('2024-01-01T01:31:09Z'), seq: 1704105069 }],
  ])('%s → reading', (file, expected) => {
    expect(decode(file)).toEqual(expected);
  });

  it('rejects the MH-Z19B preheat zero as a sensor warming up', () => {
    expect(decode('mhz19b-preheat.json')).toMatchObject({ type: 'reject', reason: 'invalid_payload', device: tasmota, detail: expect.stringContaining('sensor warming up') });
  });

  it('rejects telemetry without any CO₂ sensor (e.g. a smart plug)', () => {
    expect(decode('no-co2.json')).toMatchObject({ type: 'reject', reason: 'invalid_payload', detail: expect.stringContaining('CarbonDioxide') });
  });

  it('rejects the 65535 read-error marker like a native reading', () => {
    const r = tasmotaDecoder.decode('tele/co2-lobby/SENSOR', Buffer.from('{"MHZ19B":{"CarbonDioxide":65535}}'));
    expect(r).toMatchObject({ type: 'reject', reason: 'invalid_payload', detail: expect.stringContaining('65535') });
  });

  it('converts °F when the device is set to Fahrenheit', () => {
    const r = tasmotaDecoder.decode('tele/co2-lobby/SENSOR', Buffer.from('{"SCD41":{"CarbonDioxide":700,"Temperature":77.0},"TempUnit":"F"}'));
    expect(r).toMatchObject({ type: 'reading', co2: 700, temperature: 25 });
  });

  it('accepts any object with a numeric CarbonDioxide', () => {
    const r = tasmotaDecoder.decode('tele/co2-lobby/SENSOR', Buffer.from('{"Time":"x","NewDriver":{"CarbonDioxide":901}}'));
    expect(r).toEqual({ type: 'reading', device: tasmota, co2: 901 });
  });

  it.each([
    ['lwt-online.txt', true],
    ['lwt-offline.txt', false],
  ])('%s → status', (file, online) => {
    expect(decode(file, 'tele/co2-lobby/LWT')).toEqual({ type: 'status', device: tasmota, online });
  });

  it('rejects malformed JSON and a status it does not know', () => {
    expect(tasmotaDecoder.decode('tele/co2-lobby/SENSOR', Buffer.from('{"SCD40":'))).toMatchObject({ type: 'reject', reason: 'malformed_json' });
    expect(tasmotaDecoder.decode('tele/co2-lobby/LWT', Buffer.from('online?'))).toMatchObject({ type: 'reject', reason: 'invalid_status' });
  });

  it('leaves other topics to other decoders', () => {
    expect(tasmotaDecoder.decode('tele/co2-lobby/STATE', Buffer.from('{}'))).toBeNull();
    expect(tasmotaDecoder.decode('stat/co2-lobby/SENSOR', Buffer.from('{}'))).toBeNull();
  });
});

describe('ESPHome', () => {
  const state = (object: string, file: string) => [`gym-co2/sensor/${object}/state`, fixture(`esphome/${file}`)] as const;

  it('makes a reading of a CO₂ value alone', () => {
    const d = createEsphomeDecoder({ now: () => 0 });
    expect(d.decode(...state('scd40_co2', 'co2.txt'))).toEqual({ type: 'reading', device: esphome, co2: 812 });
  });

  it('attaches recent temperature and humidity to the next CO₂ value, but not stale ones', () => {
    let t = 0;
    const d = createEsphomeDecoder({ now: () => t });
    expect(d.decode(...state('scd40_temperature', 'temperature.txt'))).toMatchObject({ type: 'ignored', device: esphome });
    expect(d.decode(...state('humidity', 'humidity.txt'))).toMatchObject({ type: 'ignored' });
    t = 60_000;
    expect(d.decode(...state('co2', 'co2.txt'))).toEqual({ type: 'reading', device: esphome, co2: 812, temperature: 24.1, humidity: 45.2 });
    t = 200_000;
    expect(d.decode(...state('co2', 'co2.txt'))).toEqual({ type: 'reading', device: esphome, co2: 812 });
  });

  it.each(['carbon_dioxide', 'co2', 'office_co2'])('recognises %s as CO₂', (object) => {
    expect(createEsphomeDecoder().decode(...state(object, 'co2.txt'))).toMatchObject({ type: 'reading', co2: 812 });
  });

  it.each(['nan.txt', 'none.txt', 'empty.txt'])('rejects %s as no valid value', (file) => {
    expect(createEsphomeDecoder().decode(...state('co2', file))).toMatchObject({ type: 'reject', reason: 'invalid_payload', device: esphome });
  });

  it('forgets a temperature once the sensor reports nan', () => {
    const d = createEsphomeDecoder({ now: () => 0 });
    d.decode(...state('temperature', 'temperature.txt'));
    expect(d.decode(...state('temperature', 'nan.txt'))).toMatchObject({ type: 'reject' });
    expect(d.decode(...state('co2', 'co2.txt'))).toEqual({ type: 'reading', device: esphome, co2: 812 });
  });

  it('ignores sensors Kanki does not measure', () => {
    expect(createEsphomeDecoder().decode('gym-co2/sensor/wifi_signal/state', Buffer.from('-60'))).toMatchObject({ type: 'ignored' });
  });

  it('uses the registry objects map, which overrides names for its quantity', () => {
    const registry = parseRegistry({
      facilities: [{ id: 'f', name: { ja: 'f', en: 'f' }, kind: 'other', rooms: [{ id: 'r', name: { ja: 'r', en: 'r' }, sensors: [{ esphome: 'gym-co2', objects: { co2: 'sensair_ppm', temperature: 'bme_temp' } }] }] }],
    });
    let t = 0;
    const d = createEsphomeDecoder({ registry, now: () => t });
    expect(d.decode('gym-co2/sensor/scd40_temperature/state', Buffer.from('30'))).toMatchObject({ type: 'ignored', detail: expect.stringContaining('not a CO₂') });
    d.decode('gym-co2/sensor/bme_temp/state', Buffer.from('21.5'));
    t = 1000;
    expect(d.decode('gym-co2/sensor/sensair_ppm/state', Buffer.from('999'))).toEqual({ type: 'reading', device: esphome, co2: 999, temperature: 21.5 });
  });

  it('forgets the least recently updated device beyond its bound', () => {
    const d = createEsphomeDecoder({ now: () => 0, maxDevices: 2 });
    for (const p of ['a', 'b', 'c']) d.decode(`${p}/sensor/temperature/state`, Buffer.from('20'));
    expect(d.decode('a/sensor/co2/state', Buffer.from('700'))).not.toHaveProperty('temperature');
    expect(d.decode('c/sensor/co2/state', Buffer.from('700'))).toHaveProperty('temperature', 20);
  });

  it('parses a prefix with several levels from the end of the topic', () => {
    expect(createEsphomeDecoder().decode('school/gym/sensor/co2/state', Buffer.from('650'))).toMatchObject({ type: 'reading', device: { kind: 'esphome', id: 'school/gym' } });
    expect(createEsphomeDecoder().decode('school/gym/status', Buffer.from('offline'))).toEqual({ type: 'status', device: { kind: 'esphome', id: 'school/gym' }, online: false });
  });

  it.each([
    ['status-online.txt', true],
    ['status-offline.txt', false],
  ])('%s → status', (file, online) => {
    expect(createEsphomeDecoder().decode('gym-co2/status', fixture(`esphome/${file}`))).toEqual({ type: 'status', device: esphome, online });
  });
});

describe('AirGradient', () => {
  const decode = (file: string, serial = 'ecda3b1eaaaf') => airgradientDecoder.decode(`airgradient/readings/${serial}`, fixture(`airgradient/${file}`));

  it('reads rco2, compensated temperature and humidity, and Wi-Fi signal', () => {
    // `boot` counts measurement cycles: it is the message's `seq`.
    expect(decode('one.json')).toEqual({ type: 'reading', device: airgradient, co2: 447, temperature: 24.47, humidity: 49, rssi: -46, seq: 6 });
  });

  it('falls back to raw temperature and humidity, and lower-cases the serial', () => {
    expect(decode('raw-only.json', 'ECDA3B1EAAAF')).toEqual({ type: 'reading', device: airgradient, co2: 912, temperature: 22.5, humidity: 55, rssi: -60, seq: 1 });
  });

  it('rejects a message without rco2 (the firmware omits it when the sensor fails)', () => {
    expect(decode('no-rco2.json')).toMatchObject({ type: 'reject', reason: 'invalid_payload', device: airgradient, detail: expect.stringContaining('no CO₂ in this message') });
  });

  it('rejects a serialno that differs from the topic', () => {
    expect(decode('wrong-serial.json')).toMatchObject({ type: 'reject', reason: 'invalid_payload', detail: expect.stringContaining('does not match') });
  });

  it('rejects a topic whose serial is not 12 hex digits', () => {
    expect(decode('one.json', 'not-a-serial')).toMatchObject({ type: 'reject', reason: 'unknown_topic' });
  });
});

describe('decoder set', () => {
  it('routes each firmware topic to its decoder and leaves Kanki topics to the native one', () => {
    const decoders = createDecoders();
    expect(decodeMessage('tele/co2-lobby/SENSOR', fixture('tasmota/scd40.json'), decoders)).toMatchObject({ type: 'reading', device: tasmota });
    expect(decodeMessage('gym-co2/sensor/co2/state', fixture('esphome/co2.txt'), decoders)).toMatchObject({ type: 'reading', device: esphome });
    expect(decodeMessage('airgradient/readings/ecda3b1eaaaf', fixture('airgradient/one.json'), decoders)).toMatchObject({ type: 'reading', device: airgradient });
    expect(decodeMessage('kanki/v1/sensors/abc/status', Buffer.from('online'), decoders)).toEqual({ type: 'status', device: { kind: 'native', id: 'abc' }, online: true });
  });

  it('subscribes to every firmware topic without touching Kanki topics', () => {
    const filters = createDecoders().flatMap((d) => d.filters);
    expect(filters).toEqual(expect.arrayContaining(['tele/+/SENSOR', 'tele/+/LWT', '+/sensor/+/state', '+/status', 'airgradient/readings/+']));
  });
});
