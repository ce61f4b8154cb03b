/**
 * Data quality of each reading: the sensor faults seen in the field (DESIGN.md, "CO₂ levels"),
 * recognised from the sensor's own recent readings. A flagged reading is still stored — with its
 * flag, so staff can see the fault — but it never moves a room's value, a rollup or an alert.
 *
 * | flag | rule | why |
 * |---|---|---|
 * | `suspect-high` | above `suspectAbovePpm` (10 000) | no occupied room gets there; a failing cell or a read error |
 * | `warmup` | within `warmupMs` (3 min) of the device coming online after more than 10 min without a reading (a boot, not a reconnect), unless readings measured during that silence then arrive from its buffer (a long outage, not a boot) | NDIR sensors read wrong until the lamp and cell are warm (MH-Z19: zeros and spikes) |
 * | `jump` | more than `jumpPpm` (1000) from the median of the sensor's last 5 readings of the previous 5 min | people cannot change a room's CO₂ by 1000 ppm in a minute (a full classroom adds ~60 ppm/min); a glitch can. The median, not the previous sample: a spike of up to three samples is flagged whole (the return after one or two is not), while a new level that holds is believed from its third sample on. A steady rise or fall (two steps the same way, each ≤ `jumpPpm`) is never a jump |
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
/** Readings this recent are the reference of the jump rule. */
const JUMP_WINDOW_MS = 5 * 60_000;
/** How many recent readings the jump rule's median is taken over. */
const JUMP_HISTORY = 5;

/**
 * `silentSince`: time of the last reading before the `online` that started the warm-up (null: none).
 * `recentCo2`/`recentTime`: the last `JUMP_HISTORY` in-order readings, oldest first.
 */
type SensorRecord = {
  onlineAt: number | null; silentSince: number | null; lastCo2: number | null; lastTime: number; sameSince: number;
  recentCo2: number[]; recentTime: number[];
};

const newRecord = (onlineAt: number | null, sameSince: number): SensorRecord =>
  ({ onlineAt, silentSince: null, lastCo2: null, lastTime: 0, sameSince, recentCo2: [], recentTime: [] });

/**
 * The new reading continues a steady rise or fall: it and the step before it go the same way, each by
 * at most `jumpPpm`, within the window. Such a run is the room (or a window opening), not a glitch,
 * even when it has moved more than `jumpPpm` from the median of the last minutes.
 */
function isSteadyTrend(r: SensorRecord, co2: number, time: number, jumpPpm: number): boolean {
  const n = r.recentCo2.length;
  if (n < 2 || time - (r.recentTime[n - 2] ?? 0) > JUMP_WINDOW_MS) return false;
  const step = co2 - (r.recentCo2[n - 1] ?? 0);
  const before = (r.recentCo2[n - 1] ?? 0) - (r.recentCo2[n - 2] ?? 0);
  return Math.sign(step) === Math.sign(before) && step !== 0 && Math.abs(step) <= jumpPpm && Math.abs(before) <= jumpPpm;
}

/** Median of the readings of `r` taken at or after `since` (null: none). At most five values. */
function recentMedian(r: SensorRecord, since: number): number | null {
  const values: number[] = [];
  for (let i = 0; i < r.recentCo2.length; i++) if ((r.recentTime[i] ?? 0) >= since) values.push(r.recentCo2[i] ?? 0);
  if (values.length === 0) return null;
  values.sort((a, b) => a - b);
  const mid = values.length >> 1;
  return values.length % 2 === 1 ? (values[mid] ?? 0) : ((values[mid - 1] ?? 0) + (values[mid] ?? 0)) / 2;
}

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
    if (!r) this.sensors.set(sensor, newRecord(at, at));
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
      r = newRecord(null, time);
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
    const reference = inOrder && !isSteadyTrend(r, co2, time, o.jumpPpm) ? recentMedian(r, time - JUMP_WINDOW_MS) : null;
    if (inOrder) {
      if (previous !== co2) r.sameSince = time;
      r.lastCo2 = co2;
      r.lastTime = time;
      r.recentCo2.push(co2);
      r.recentTime.push(time);
      if (r.recentCo2.length > JUMP_HISTORY) {
        r.recentCo2.shift();
        r.recentTime.shift();
      }
    }
    if (co2 > o.suspectAbovePpm) return 'suspect-high';
    if (r.onlineAt !== null && time >= r.onlineAt && time - r.onlineAt < o.warmupMs) return 'warmup';
    if (reference !== null && Math.abs(co2 - reference) > o.jumpPpm) return 'jump';
    if (inOrder && previous === co2 && time - r.sameSince >= o.stuckMs) return 'stuck';
    if (co2 < o.floorPpm) return 'below-floor';
    return 'ok';
  }
}
