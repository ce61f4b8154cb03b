/**
 * Sensor health for staff: per registered device its room, when it was last heard from, its newest
 * reading, what its status topic (Last Will) says, battery and signal strength when it reports
 * them, and how many of its readings were flagged or rejected; and the devices that publish but are
 * not in the registry. Fed by the message pipeline on every message, so an update is a Map lookup
 * and a few field writes on a record made at start — no allocation on the reading path (the ingest
 * takes 35k readings/s). Counts start at zero when the ingest starts; nothing here is persisted.
 */
import { deviceKey, type DeviceKind, type Registry } from '../../../common/registry.ts';
import type { Reading } from '../../../common/reading.ts';

/** One registered device's health. Times are epoch ms (ingest clock) or null when never seen. */
export type DeviceHealth = {
  /** The pipeline's sensor key: the native id, or `kind:id`. */
  readonly sensor: string;
  readonly kind: DeviceKind;
  readonly id: string;
  readonly facility: string;
  readonly room: string;
  /** Any message: reading, duplicate, status, or a rejected payload. */
  lastSeenAt: number | null;
  /** Time of the newest accepted reading (the device's time when plausible) and when it arrived. */
  lastReadingAt: number | null;
  lastReadingReceivedAt: number | null;
  co2: number | null;
  quality: string | null;
  /** From the status topic: true after `online` or a reading, false after `offline` (Last Will); null = never said. */
  online: boolean | null;
  statusAt: number | null;
  battery: number | null;
  rssi: number | null;
  readings: number;
  /** Accepted readings flagged by data-quality checks, by flag (e.g. `suspect-high`). */
  flagged: Record<string, number>;
  /** Messages from this device the ingest rejected (malformed, invalid values). */
  rejected: number;
};

/** A device that published under a topic the ingest understood but that the registry does not list. */
export type UnknownDevice = {
  readonly kind: DeviceKind;
  readonly id: string;
  readonly firstSeenAt: number;
  lastSeenAt: number;
  messages: number;
};

/** What the pipeline calls. Each method is cheap enough for every message. */
export type SensorHealthHook = {
  reading(sensor: string, reading: Reading, receivedAt: number, battery: number | undefined, rssi: number | undefined): void;
  status(sensor: string, online: boolean, at: number): void;
  /** A message that carried no new reading (a QoS 1 duplicate). */
  seen(sensor: string, at: number): void;
  /** A message the decoder rejected but whose device it could tell (registered or not). */
  rejected(device: { kind: DeviceKind; id: string }, at: number): void;
  /** A message from a device the registry does not know. */
  unknown(device: { kind: DeviceKind; id: string }, at: number): void;
};

/** Default bound of the unknown-device list: a misconfigured fleet or a scan cannot grow memory. */
export const UNKNOWN_DEVICES_CAPACITY = 1000;

/** Health of every registered device and the bounded list of unknown ones (see the module comment). */
export class SensorHealth implements SensorHealthHook {
  private readonly devices = new Map<string, DeviceHealth>();
  private readonly unknowns = new Map<string, UnknownDevice>();
  private readonly capacity: number;

  constructor(private readonly registry: Registry, options: { unknownCapacity?: number } = {}) {
    this.capacity = Math.max(1, options.unknownCapacity ?? UNKNOWN_DEVICES_CAPACITY);
    for (const room of registry.rooms) {
      for (const ref of room.sensors) {
        const { kind, id } = deviceKey(ref);
        const sensor = kind === 'native' ? id : `${kind}:${id}`;
        this.devices.set(sensor, {
          sensor, kind, id, facility: room.facilityId, room: room.roomId,
          lastSeenAt: null, lastReadingAt: null, lastReadingReceivedAt: null, co2: null, quality: null,
          online: null, statusAt: null, battery: null, rssi: null, readings: 0, flagged: {}, rejected: 0,
        });
      }
    }
  }

  reading(sensor: string, reading: Reading, receivedAt: number, battery: number | undefined, rssi: number | undefined): void {
    const d = this.devices.get(sensor);
    if (!d) return;
    d.lastSeenAt = receivedAt;
    d.readings++;
    // Replayed or late readings still count, but only the newest one is "the last reading".
    if (d.lastReadingAt === null || reading.time >= d.lastReadingAt) {
      d.lastReadingAt = reading.time;
      d.co2 = reading.co2;
      d.quality = reading.quality;
    }
    d.lastReadingReceivedAt = receivedAt;
    if (reading.quality !== 'ok') d.flagged[reading.quality] = (d.flagged[reading.quality] ?? 0) + 1;
    // A reading means the device is up, whatever its last status said (as the room state reads it).
    d.online = true;
    if (battery !== undefined) d.battery = battery;
    if (rssi !== undefined) d.rssi = rssi;
  }

  status(sensor: string, online: boolean, at: number): void {
    const d = this.devices.get(sensor);
    if (!d) return;
    d.lastSeenAt = at;
    d.online = online;
    d.statusAt = at;
  }

  seen(sensor: string, at: number): void {
    const d = this.devices.get(sensor);
    if (d) d.lastSeenAt = at;
  }

  rejected(device: { kind: DeviceKind; id: string }, at: number): void {
    const room = this.registry.roomForDevice(device.kind, device.id);
    if (!room) return this.unknown(device, at);
    const d = this.devices.get(device.kind === 'native' ? device.id : `${device.kind}:${device.id}`);
    if (!d) return;
    d.lastSeenAt = at;
    d.rejected++;
  }

  unknown(device: { kind: DeviceKind; id: string }, at: number): void {
    const key = `${device.kind}:${device.id}`;
    const known = this.unknowns.get(key);
    if (known) {
      known.lastSeenAt = at;
      known.messages++;
      // Least recently seen first: re-inserting moves it to the end.
      this.unknowns.delete(key);
      this.unknowns.set(key, known);
      return;
    }
    if (this.unknowns.size >= this.capacity) {
      const oldest = this.unknowns.keys().next().value;
      if (oldest !== undefined) this.unknowns.delete(oldest);
    }
    this.unknowns.set(key, { kind: device.kind, id: device.id, firstSeenAt: at, lastSeenAt: at, messages: 1 });
  }

  /** Registered devices of these facilities (undefined = all), in registry order. */
  list(facilities?: readonly string[]): DeviceHealth[] {
    const out: DeviceHealth[] = [];
    for (const d of this.devices.values()) if (!facilities || facilities.includes(d.facility)) out.push(d);
    return out;
  }

  /** Unknown devices, most recently seen first. */
  unknownDevices(): UnknownDevice[] {
    return [...this.unknowns.values()].reverse();
  }

  /** How many unknown devices are kept at most. */
  get unknownCapacity(): number {
    return this.capacity;
  }
}
