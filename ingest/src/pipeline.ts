/**
 * The per-message path, kept synchronous and allocation-light because it runs once per reading
 * before the MQTT acknowledgement: size check → decode → registry lookup → time decision →
 * duplicate check → append to the write-ahead log → room state. Nothing here throws for bad
 * input: every problem becomes a counted, logged, dead-lettered reject.
 */
import type { Registry } from '../../common/registry.ts';
import type { Reading } from '../../common/reading.ts';
import type { DeadLetters } from './dead-letters.ts';
import { createDecoders, decodeMessage, type Decoder } from './decoders/index.ts';
import type { DecodedReading } from './decoders/decoder.ts';
import type { IngestMetrics } from './metrics.ts';
import { DEFAULT_QUALITY, ReadingQuality, type QualityOptions } from './quality.ts';
import type { RoomStateTracker } from './room-state.ts';
import type { WriteAheadLog } from './wal.ts';
import type { AlertService } from './alerts/alert-service.ts';
import type { SensorHealthHook } from './staff/sensor-health.ts';

export type PipelineOptions = {
  maxPayloadBytes: number;
  /** Device times further ahead than this are replaced by the receive time (clock not set, skew). */
  maxFutureSkewMs: number;
  /** Device times further back than this are replaced (older than raw retention can hold). */
  maxPastMs: number;
  /** CO₂ above this is stored with the quality flag `suspect-high` (NDIR sensors rarely read true above 10,000 ppm indoors). */
  suspectAbovePpm: number;
  /** Data-quality rules other than `suspectAbovePpm` (see quality.ts); defaults when absent. */
  quality?: Partial<Omit<QualityOptions, 'suspectAbovePpm'>>;
};

export type MessageOutcome = 'accepted' | 'duplicate' | 'status' | 'ignored' | 'rejected';

const RECENT_SEQS = 64;

export class MessagePipeline {
  private readonly seen = new Map<string, Map<number, number>>();
  private readonly decoders: readonly Decoder[];
  private readonly quality: ReadingQuality;

  constructor(
    private readonly options: PipelineOptions,
    private readonly deps: {
      registry: Registry;
      wal: WriteAheadLog;
      rooms: RoomStateTracker;
      alerts?: Pick<AlertService, 'onReading' | 'onStatus'>;
      metrics: IngestMetrics;
      deadLetters: DeadLetters;
      now: () => number;
      storeDown: () => boolean;
      decoders?: readonly Decoder[];
      /** Sensor health for the staff console (last seen, status, battery, unknown devices). */
      health?: SensorHealthHook;
    },
  ) {
    // The registry lets the ESPHome decoder honour explicit `objects` maps.
    this.decoders = deps.decoders ?? createDecoders({ registry: deps.registry, now: deps.now });
    this.quality = new ReadingQuality({ ...DEFAULT_QUALITY, ...options.quality, suspectAbovePpm: options.suspectAbovePpm });
  }

  handle(topic: string, payload: Buffer): MessageOutcome {
    const { metrics, deadLetters, registry } = this.deps;
    metrics.received.inc();
    if (payload.length > this.options.maxPayloadBytes) {
      deadLetters.reject('too_large', `payload of ${payload.length} bytes exceeds the limit of ${this.options.maxPayloadBytes}`, topic, payload);
      return 'rejected';
    }
    const decoded = decodeMessage(topic, payload, this.decoders);
    if (decoded.type === 'reject') {
      if (decoded.device) this.deps.health?.rejected(decoded.device, this.deps.now());
      deadLetters.reject(decoded.reason, decoded.device ? `${decoded.device.kind} device ${decoded.device.id}: ${decoded.detail}` : decoded.detail, topic, payload);
      return 'rejected';
    }
    const room = registry.roomForDevice(decoded.device.kind, decoded.device.id);
    if (!room) {
      this.deps.health?.unknown(decoded.device, this.deps.now());
      deadLetters.reject('unknown_device', `${decoded.device.kind} device "${decoded.device.id}" is not in the registry`, topic, payload);
      return 'rejected';
    }
    const sensor = decoded.device.kind === 'native' ? decoded.device.id : `${decoded.device.kind}:${decoded.device.id}`;
    if (decoded.type === 'status') {
      metrics.statuses.inc({ status: decoded.online ? 'online' : 'offline' });
      this.deps.rooms.setOnline(room, sensor, decoded.online);
      if (decoded.online) this.quality.online(sensor, this.deps.now());
      this.deps.alerts?.onStatus(room, sensor, decoded.online);
      this.deps.health?.status(sensor, decoded.online, this.deps.now());
      return 'status';
    }
    if (decoded.type === 'ignored') {
      this.deps.health?.seen(sensor, this.deps.now());
      return 'ignored';
    }
    const receivedAt = this.deps.now();
    if (decoded.time === undefined && this.isDuplicate(sensor, decoded.seq, receivedAt)) {
      metrics.duplicates.inc();
      this.deps.health?.seen(sensor, receivedAt);
      return 'duplicate';
    }
    const reading: Reading = {
      facility: room.facilityId,
      room: room.roomId,
      sensor,
      time: this.decideTime(decoded, receivedAt),
      co2: decoded.co2,
      quality: 'ok',
    };
    reading.quality = this.quality.assess(sensor, reading.co2, reading.time);
    if (reading.quality !== 'ok') metrics.flagged.inc({ flag: reading.quality });
    if (decoded.temperature !== undefined) reading.temperature = decoded.temperature;
    if (decoded.humidity !== undefined) reading.humidity = decoded.humidity;
    this.deps.wal.append(reading);
    metrics.accepted.inc();
    if (this.deps.storeDown()) metrics.spooled.inc();
    this.deps.rooms.update(room, sensor, reading);
    this.deps.alerts?.onReading(room, reading);
    this.deps.health?.reading(sensor, reading, receivedAt, decoded.battery, decoded.rssi);
    return 'accepted';
  }

  private decideTime(decoded: DecodedReading, receivedAt: number): number {
    if (decoded.time === undefined) return receivedAt;
    if (decoded.time > receivedAt + this.options.maxFutureSkewMs) {
      this.deps.metrics.timestampReplaced.inc({ why: 'future' });
      return receivedAt;
    }
    if (decoded.time < receivedAt - this.options.maxPastMs) {
      this.deps.metrics.timestampReplaced.inc({ why: 'too_old' });
      return receivedAt;
    }
    return decoded.time;
  }

  /**
   * QoS 1 redelivers a message whose acknowledgement was lost. With a device time the store's
   * idempotent writes absorb the copy (and a device that reboots and restarts its counter is not
   * mistaken for a duplicate); without one the copy would get a new receive time, so recently
   * seen `seq` numbers of each device are remembered for two minutes.
   */
  private isDuplicate(sensor: string, seq: number | undefined, now: number): boolean {
    if (seq === undefined) return false;
    let recent = this.seen.get(sensor);
    if (!recent) {
      recent = new Map();
      this.seen.set(sensor, recent);
    }
    const at = recent.get(seq);
    if (at !== undefined && now - at < 2 * 60_000) return true;
    recent.set(seq, now);
    if (recent.size > RECENT_SEQS) {
      const oldest = recent.keys().next().value;
      if (oldest !== undefined) recent.delete(oldest);
    }
    return false;
  }
}
