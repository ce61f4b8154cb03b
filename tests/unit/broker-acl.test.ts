// Table tests of the broker's ACL (broker/src/acl.ts), including the usual wildcard tricks.
import { describe, expect, it } from 'vitest';
import { isValidTopicFilter, mayPublish, mayReceive, maySubscribe, type Identity } from '../../broker/src/acl.ts';

const device: Identity = { kind: 'device', id: 'nwo-1f-counter-01' };
const ingest: Identity = { kind: 'service', name: 'kanki-ingest', role: 'ingest' };
const reader: Identity = { kind: 'service', name: 'kanki-dashboard', role: 'reader' };
const homeAssistant: Identity = { kind: 'service', name: 'home-assistant', role: 'home-assistant' };
const anonymous: Identity = { kind: 'anonymous' };

describe('mayPublish', () => {
  it.each<[string, Identity, string, boolean]>([
    ['device: own reading', device, 'kanki/v1/sensors/nwo-1f-counter-01/reading', true],
    ['device: own status (and will)', device, 'kanki/v1/sensors/nwo-1f-counter-01/status', true],
    ['device: any other topic under its own prefix', device, 'kanki/v1/sensors/nwo-1f-counter-01/junk', false],
    ['device: a deeper topic under its own reading', device, 'kanki/v1/sensors/nwo-1f-counter-01/reading/x', false],
    ["device: another device's reading", device, 'kanki/v1/sensors/nwo-1f-waiting-01/reading', false],
    ['device: id that is a prefix of its own', device, 'kanki/v1/sensors/nwo-1f-counter-0/reading', false],
    ['device: id that extends its own', device, 'kanki/v1/sensors/nwo-1f-counter-01x/reading', false],
    ['device: the bare prefix', device, 'kanki/v1/sensors/nwo-1f-counter-01/', false],
    ['device: the sensor level itself', device, 'kanki/v1/sensors/nwo-1f-counter-01', false],
    ['device: + in a publish', device, 'kanki/v1/sensors/nwo-1f-counter-01/+', false],
    ['device: # in a publish', device, 'kanki/v1/sensors/nwo-1f-counter-01/#', false],
    ['device: + embedded in a level', device, 'kanki/v1/sensors/nwo-1f-counter-01/read+ing', false],
    ['device: .. level', device, 'kanki/v1/sensors/nwo-1f-counter-01/../nwo-1f-waiting-01/reading', false],
    ['device: . level', device, 'kanki/v1/sensors/nwo-1f-counter-01/./reading', false],
    ['device: empty level', device, 'kanki/v1/sensors/nwo-1f-counter-01//reading', false],
    ['device: trailing empty level', device, 'kanki/v1/sensors/nwo-1f-counter-01/reading/', false],
    ['device: NUL in topic', device, 'kanki/v1/sensors/nwo-1f-counter-01/reading\u0000', false],
    ['device: $SYS', device, '$SYS/broker/clients', false],
    ['device: room state', device, 'kanki/v1/rooms/nishi-ward-office/1f-counter/state', false],
    ['device: leading slash variant', device, '/kanki/v1/sensors/nwo-1f-counter-01/reading', false],
    ['device: case variant of the root', device, 'Kanki/v1/sensors/nwo-1f-counter-01/reading', false],
    ['device: empty topic', device, '', false],
    ['ingest: room state', ingest, 'kanki/v1/rooms/nishi-ward-office/1f-counter/state', true],
    ['ingest: alert', ingest, 'kanki/v1/alerts/nishi-ward-office/1f-counter', true],
    ['ingest: dead letter', ingest, 'kanki/v1/ingest/rejected', true],
    ['ingest: forging a reading', ingest, 'kanki/v1/sensors/nwo-1f-counter-01/reading', false],
    ['ingest: rooms look-alike', ingest, 'kanki/v1/roomsX/a/b/state', false],
    ['ingest: bare rooms', ingest, 'kanki/v1/rooms', false],
    ['ingest: $SYS', ingest, '$SYS/x', false],
    ['ingest: Home Assistant discovery config', ingest, 'homeassistant/sensor/kanki_tobe-elementary_class-1-1_co2/config', true],
    ['ingest: forging Home Assistant\'s status', ingest, 'homeassistant/status', false],
    ['ingest: another integration\'s config', ingest, 'homeassistant/sensor/esphome_gym_co2/config', false],
    ['ingest: discovery under another prefix', ingest, 'ha/sensor/kanki_a_b_co2/config', false],
    ['ingest: discovery with an extra level', ingest, 'homeassistant/sensor/node/kanki_a_b_co2/config', false],
    ['reader: Home Assistant discovery config', reader, 'homeassistant/sensor/kanki_a_b_co2/config', false],
    ['reader: anything', reader, 'kanki/v1/rooms/nishi-ward-office/1f-counter/state', false],
    ['home-assistant: its birth and will', homeAssistant, 'homeassistant/status', true],
    ['home-assistant: a discovery config (would fake a device)', homeAssistant, 'homeassistant/sensor/kanki_a_b_co2/config', false],
    ['home-assistant: a room state', homeAssistant, 'kanki/v1/rooms/a/b/state', false],
    ['home-assistant: a reading', homeAssistant, 'kanki/v1/sensors/nwo-1f-counter-01/reading', false],
    ['anonymous: any normal topic', anonymous, 'tele/co2-lobby/SENSOR', true],
    ['anonymous: $SYS', anonymous, '$SYS/fake/new/clients', false],
    ['anonymous: wildcard', anonymous, 'kanki/v1/sensors/+/reading', false],
  ])('%s', (_name, identity, topic, expected) => {
    expect(mayPublish(identity, topic)).toBe(expected);
  });

  it('refuses a device whose id could smuggle wildcards or separators into its prefix', () => {
    for (const id of ['+', '#', 'a/b', '', '..', 'a+b']) {
      expect(mayPublish({ kind: 'device', id }, `kanki/v1/sensors/${id}/reading`)).toBe(false);
    }
  });
});

describe('maySubscribe', () => {
  it.each<[string, Identity, string, boolean]>([
    ['device: its own subtree', device, 'kanki/v1/sensors/nwo-1f-counter-01/#', true],
    ['device: its own config topic', device, 'kanki/v1/sensors/nwo-1f-counter-01/config', true],
    ['device: #', device, '#', false],
    ['device: +/#', device, '+/#', false],
    ['device: every reading', device, 'kanki/v1/sensors/+/reading', false],
    ['device: all sensors', device, 'kanki/v1/sensors/#', false],
    ['device: wildcard in the root', device, 'kanki/+/sensors/nwo-1f-counter-01/#', false],
    ['device: another device', device, 'kanki/v1/sensors/nwo-1f-waiting-01/#', false],
    ['device: extended id', device, 'kanki/v1/sensors/nwo-1f-counter-01x/#', false],
    ['device: .. after its prefix', device, 'kanki/v1/sensors/nwo-1f-counter-01/../#', false],
    ['device: empty level after its prefix', device, 'kanki/v1/sensors/nwo-1f-counter-01//#', false],
    ['device: $SYS', device, '$SYS/#', false],
    ['device: room state', device, 'kanki/v1/rooms/#', false],
    ['ingest: all sensors', ingest, 'kanki/v1/sensors/#', true],
    ['ingest: readings', ingest, 'kanki/v1/sensors/+/reading', true],
    ['ingest: statuses', ingest, 'kanki/v1/sensors/+/status', true],
    ['ingest: Tasmota firmware', ingest, 'tele/+/SENSOR', true],
    ['ingest: ESPHome firmware', ingest, '+/sensor/+/state', true],
    ['ingest: $SYS', ingest, '$SYS/#', false],
    ['ingest: Home Assistant status', ingest, 'homeassistant/status', true],
    ['ingest: malformed # in the middle', ingest, 'kanki/v1/#/reading', false],
    ['ingest: malformed mixed wildcard', ingest, 'kanki/v1/sensors/a+/reading', false],
    ['reader: rooms', reader, 'kanki/v1/rooms/#', true],
    ['reader: room states', reader, 'kanki/v1/rooms/+/+/state', true],
    ['reader: alerts', reader, 'kanki/v1/alerts/#', true],
    ['reader: sensors', reader, 'kanki/v1/sensors/#', false],
    ['reader: #', reader, '#', false],
    ['reader: wildcard replacing rooms', reader, 'kanki/v1/+/#', false],
    ['reader: bare rooms level', reader, 'kanki/v1/rooms', false],
    ['reader: look-alike', reader, 'kanki/v1/roomsX/#', false],
    ['reader: dead letters', reader, 'kanki/v1/ingest/#', false],
    ['home-assistant: discovery', homeAssistant, 'homeassistant/#', true],
    ['home-assistant: room states', homeAssistant, 'kanki/v1/rooms/+/+/state', true],
    ['home-assistant: alerts (staff-only detail)', homeAssistant, 'kanki/v1/alerts/#', false],
    ['home-assistant: readings', homeAssistant, 'kanki/v1/sensors/+/reading', false],
    ['home-assistant: everything', homeAssistant, '#', false],
    ['anonymous: anything', anonymous, '#', true],
    ['anonymous: malformed', anonymous, 'a/#/b', false],
  ])('%s', (_name, identity, filter, expected) => {
    expect(maySubscribe(identity, filter)).toBe(expected);
  });
});

describe('mayReceive (checked on every delivery)', () => {
  it.each<[string, Identity, string, boolean]>([
    ['device: its own topic', device, 'kanki/v1/sensors/nwo-1f-counter-01/config', true],
    ['device: another device', device, 'kanki/v1/sensors/nwo-1f-waiting-01/reading', false],
    ['device: room state', device, 'kanki/v1/rooms/a/b/state', false],
    ['ingest: a reading', ingest, 'kanki/v1/sensors/nwo-1f-counter-01/reading', true],
    ['ingest: $SYS', ingest, '$SYS/abc/heartbeat', false],
    ['reader: room state', reader, 'kanki/v1/rooms/a/b/state', true],
    ['reader: alert', reader, 'kanki/v1/alerts/a/b', true],
    ['reader: a reading', reader, 'kanki/v1/sensors/nwo-1f-counter-01/reading', false],
    ['home-assistant: a discovery config', homeAssistant, 'homeassistant/sensor/kanki_a_b_co2/config', true],
    ['home-assistant: room state', homeAssistant, 'kanki/v1/rooms/a/b/state', true],
    ['home-assistant: an alert', homeAssistant, 'kanki/v1/alerts/a/b', false],
    ['home-assistant: a dead letter', homeAssistant, 'kanki/v1/ingest/dead-letter', false],
  ])('%s', (_name, identity, topic, expected) => {
    expect(mayReceive(identity, topic)).toBe(expected);
  });
});

describe('isValidTopicFilter', () => {
  it.each<[string, boolean]>([
    ['#', true],
    ['+', true],
    ['a/+/c', true],
    ['a/#', true],
    ['a/#/c', false],
    ['a#', false],
    ['a/b+', false],
    ['', false],
    ['x'.repeat(513), false],
  ])('%s → %s', (filter, expected) => {
    expect(isValidTopicFilter(filter)).toBe(expected);
  });
});

describe('third-party firmware devices (username = Tasmota topic, ESPHome prefix, AirGradient serial)', () => {
  const tasmota: Identity = { kind: 'device', id: 'co2-lobby', firmware: 'tasmota' };
  const esphome: Identity = { kind: 'device', id: 'gym-co2', firmware: 'esphome' };
  const airgradient: Identity = { kind: 'device', id: 'ecda3b1eaaaf', firmware: 'airgradient' };
  const kanki: Identity = { kind: 'device', id: 'kanki', firmware: 'esphome' };

  it.each<[string, Identity, string, boolean]>([
    ['tasmota: own SENSOR', tasmota, 'tele/co2-lobby/SENSOR', true],
    ['tasmota: own LWT (will)', tasmota, 'tele/co2-lobby/LWT', true],
    ['tasmota: own STATE', tasmota, 'tele/co2-lobby/STATE', true],
    ['tasmota: own command result', tasmota, 'stat/co2-lobby/RESULT', true],
    ["tasmota: another device's SENSOR", tasmota, 'tele/co2-hall/SENSOR', false],
    ['tasmota: topic that extends its own', tasmota, 'tele/co2-lobbyX/SENSOR', false],
    ['tasmota: its own commands', tasmota, 'cmnd/co2-lobby/POWER', false],
    ['tasmota: Kanki reading under its name', tasmota, 'kanki/v1/sensors/co2-lobby/reading', false],
    ['tasmota: .. level', tasmota, 'tele/co2-lobby/../co2-hall/SENSOR', false],
    ['esphome: own CO₂ state', esphome, 'gym-co2/sensor/scd40_co2/state', true],
    ['esphome: own status (will)', esphome, 'gym-co2/status', true],
    ['esphome: another prefix', esphome, 'hall-co2/sensor/co2/state', false],
    ['esphome: look-alike prefix', esphome, 'gym-co2x/status', false],
    ['esphome: Home Assistant discovery', esphome, 'homeassistant/sensor/gym-co2/config', false],
    ['esphome: prefix "kanki" cannot reach Kanki topics', kanki, 'kanki/v1/sensors/x/reading', false],
    ['airgradient: own readings', airgradient, 'airgradient/readings/ecda3b1eaaaf', true],
    ['airgradient: another serial', airgradient, 'airgradient/readings/ecda3b1e0000', false],
    ['airgradient: below its readings', airgradient, 'airgradient/readings/ecda3b1eaaaf/x', false],
    ['airgradient: Kanki reading under its serial', airgradient, 'kanki/v1/sensors/ecda3b1eaaaf/reading', false],
  ])('publish %s', (_name, identity, topic, expected) => {
    expect(mayPublish(identity, topic)).toBe(expected);
  });

  it.each<[string, Identity, string, boolean]>([
    ['tasmota: its commands', tasmota, 'cmnd/co2-lobby/#', true],
    ['tasmota: the group topic', tasmota, 'cmnd/tasmotas/#', false],
    ['tasmota: all telemetry', tasmota, 'tele/+/SENSOR', false],
    ['esphome: its own commands', esphome, 'gym-co2/switch/+/command', true],
    ['esphome: every device', esphome, '+/sensor/+/state', false],
    ['airgradient: anything', airgradient, 'airgradient/#', false],
    ['native device: firmware topics', device, 'tele/+/SENSOR', false],
  ])('subscribe %s', (_name, identity, filter, expected) => {
    expect(maySubscribe(identity, filter)).toBe(expected);
  });

  it('delivers to a device only its own command topics, and firmware topics to the ingest', () => {
    expect(mayReceive(tasmota, 'cmnd/co2-lobby/POWER')).toBe(true);
    expect(mayReceive(tasmota, 'cmnd/co2-hall/POWER')).toBe(false);
    expect(mayReceive(esphome, 'hall-co2/switch/fan/command')).toBe(false);
    expect(mayReceive(airgradient, 'airgradient/readings/ecda3b1eaaaf')).toBe(false);
    for (const topic of ['tele/co2-lobby/SENSOR', 'gym-co2/sensor/co2/state', 'airgradient/readings/ecda3b1eaaaf']) {
      expect(mayReceive(ingest, topic)).toBe(true);
      expect(mayReceive(reader, topic)).toBe(false);
    }
  });

  it('keeps a native device off firmware topics named after it', () => {
    expect(mayPublish(device, 'tele/nwo-1f-counter-01/SENSOR')).toBe(false);
    expect(mayPublish(device, 'nwo-1f-counter-01/status')).toBe(false);
  });
});
