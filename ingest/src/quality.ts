/**
 * Data quality of each reading: the sensor faults seen in the field (DESIGN.md, "CO₂ levels"),
 * recognised from the sensor's own recent readings. A flagged reading is still stored — with its
 * flag, so staff can see the fault — but it never moves a room's value, a rollup or an alert.
 *
 * | flag | rule | why |
 * |---|---|---|
 * | `suspect-high` | above `suspectAbovePpm` (10 000) | no occupied room gets there; a failing cell or a read error |
 * | `warmup` | within `warmupMs` (3 min) of the device coming online after more than 10 min without a reading (a boot, not a reconnect), unless readings measured during that silence then arrive from its buffer (a long outage, not a boot) | NDIR sensors read wrong until the lamp and cell are warm (MH-Z19: zeros and spikes) |
 * | `jump` | more than `jumpPpm` (1000) from the sensor's previous reading, taken less than 5 min before | people cannot change a room's CO₂ by 1000 ppm in one sample; a glitch can |
 * | `stuck` | the same value for `stuckMs` (30 min) or longer | real sensors read ±(10–30) ppm of noise; a frozen value is a hung sensor or firmware |
 * | `below-floor` | below `floorPpm` (380) | outdoor air is ~420 ppm and no room is below it; values under it mean a bad automatic baseline correction (ABC) |
 *
 * One small record per sensor (bounded by the registry) and a few comparisons per reading.
 */

export type QualityOptions = {
  suspectAbovePpm: number;
  warmupMs: number;
  jumpPpm: number;
  stuckMs: number;
  floorPpm: number;
};

export const DEFAULT_QUALITY: Omit<QualityOptions, 'suspectAbovePpm'> = Object.freeze({
  warmupMs: 3 * 60_000, jumpPpm: 1000, stuckMs: 30 * 60_000, floorPpm: 380,
});

export const QUALITY_FLAGS = ['ok', 'suspect-high', 'warmup', 'jump', 'stuck', 'below-floor'] as const;
export type QualityFlag = (typeof QUALITY_FLAGS)[number];

/** An "online" this soon after the sensor's last reading is a reconnect, not a boot. */
const RECONNECT_MS = 10 * 60_000;
/** A reading within this of the previous one is "the next sample" for the jump rule. */
const JUMP_WINDOW_MS = 5 * 60_000;

/** `silentSince`: time of the last reading before the `online` that started the warm-up (null: none). */
type SensorRecord = { onlineAt: number | null; silentSince: number | null; lastCo2: number | null; lastTime: number; sameSince: number };

export class ReadingQuality {
  private readonly sensors = new Map<string, SensorRecord>();

  constructor(private readonly options: QualityOptions) {}

  /**
   * The device said it is online (its status topic). Taken as a boot — warm-up starts — unless the
   * sensor sent a reading in the last `RECONNECT_MS`: MQTT reconnects after a Wi-Fi blip announce
   * "online" too, and a sensor that was measuring a minute ago is warm.
   */
  online(sensor: string, at: number): void {
    const r = this.sensors.get(sensor);
    if (!r) this.sensors.set(sensor, { onlineAt: at, silentSince: null, lastCo2: null, lastTime: 0, sameSince: at });
    else if (r.lastCo2 === null || at - r.lastTime > RECONNECT_MS) {
      r.onlineAt = at;
      r.silentSince = r.lastCo2 === null ? null : r.lastTime;
    }
  }

  /** The flag of one reading (`time`: the reading's time). Updates the sensor's record. */
  assess(sensor: string, co2: number, time: number): QualityFlag {
    const o = this.options;
    let r = this.sensors.get(sensor);
    if (!r) {
      r = { onlineAt: null, silentSince: null, lastCo2: null, lastTime: 0, sameSince: time };
      this.sensors.set(sensor, r);
    }
    // A reading measured during the silence (well before the `online`) arrives from the device's
    // buffer: it kept measuring through a long network outage, so it did not boot and is warm.
    if (r.onlineAt !== null && r.silentSince !== null && time > r.silentSince && time < r.onlineAt - o.warmupMs) {
      r.onlineAt = null;
      r.silentSince = null;
    }
    const previous = r.lastCo2;
    const previousTime = r.lastTime;
    // Only readings in time order move the record: a late one must not reset the stuck clock or
    // count as a jump against a newer reading.
    const inOrder = previous === null || time > previousTime;
    if (inOrder) {
      if (previous !== co2) r.sameSince = time;
      r.lastCo2 = co2;
      r.lastTime = time;
    }
    if (co2 > o.suspectAbovePpm) return 'suspect-high';
    if (r.onlineAt !== null && time >= r.onlineAt && time - r.onlineAt < o.warmupMs) return 'warmup';
    if (inOrder && previous !== null && time - previousTime <= JUMP_WINDOW_MS && Math.abs(co2 - previous) > o.jumpPpm) return 'jump';
    if (inOrder && previous === co2 && time - r.sameSince >= o.stuckMs) return 'stuck';
    if (co2 < o.floorPpm) return 'below-floor';
    return 'ok';
  }
}
