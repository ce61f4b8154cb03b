/**
 * What the public sees of a room: its names, kind, newest values and level — never device ids.
 * Pure mapping plus one store read; shared by the JSON API and the HTML pages (and later by the
 * live stream and signage), so every surface applies the same "stale means no data" rule.
 */
import { levelFor, type Level } from '../../common/levels.ts';
import type { HistoryPoint, RoomLatest } from '../../common/reading.ts';
import type { FacilityKind, LocalizedName, Registry, RoomEntry } from '../../common/registry.ts';
import type { ReadingStore } from '../../common/store/reading-store.ts';

/** A room as the public API returns it. */
export type RoomStatus = {
  facility: string;
  room: string;
  name: LocalizedName;
  facilityName: LocalizedName;
  kind: FacilityKind;
  /** ppm, integer; null when there is no current reading. */
  co2: number | null;
  /** °C, one decimal; null when absent or not current. */
  temperature: number | null;
  /** %RH, one decimal; null when absent or not current. */
  humidity: number | null;
  level: Level;
  /** ISO 8601 UTC time of the newest reading, even when it is too old to show; null if none is known. */
  updatedAt: string | null;
  /** True when there is no reading newer than the stale limit. */
  stale: boolean;
};

/** One point of history as the public API returns it. */
export type PublicPoint = { time: string; co2: number | null; temperature: number | null; humidity: number | null };

/**
 * How far back to look for a room's last reading. A room silent for longer shows `updatedAt: null`.
 * Seven days matches the default raw retention, beyond which the store may no longer hold the point.
 */
export const LAST_SEEN_LOOKBACK_MS = 7 * 24 * 3600_000;

/** Integer ppm: sensors resolve 1 ppm at best, and decimals would suggest a precision they lack. */
export function roundCo2(v: number | null | undefined): number | null {
  return v === null || v === undefined || !Number.isFinite(v) ? null : Math.round(v);
}

/** One decimal: the resolution of common temperature/humidity sensors (SCD4x, SHT3x). */
export function roundOneDecimal(v: number | null | undefined): number | null {
  return v === null || v === undefined || !Number.isFinite(v) ? null : Math.round(v * 10) / 10;
}

/** Epoch ms to an ISO 8601 UTC string. */
export function toIsoTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** The public view of one room given its newest reading (if any). */
export function toRoomStatus(entry: RoomEntry, latest: RoomLatest | undefined, now: number, staleAfterMs: number): RoomStatus {
  // Both objects are written out in full on purpose: `{ ...base, co2, … }` made V8 build each one
  // through slow property additions, ~6 µs a room — 70 ms per request for a city of 12,000 rooms.
  // A reading slightly in the future (device clock skew) still counts as current.
  if (!latest || now - latest.time > staleAfterMs) {
    return {
      facility: entry.facilityId, room: entry.roomId, name: { ...entry.name }, facilityName: { ...entry.facilityName }, kind: entry.facilityKind,
      co2: null, temperature: null, humidity: null, level: 'nodata', updatedAt: latest ? toIsoTime(latest.time) : null, stale: true,
    };
  }
  const co2 = roundCo2(latest.co2);
  return {
    facility: entry.facilityId, room: entry.roomId, name: { ...entry.name }, facilityName: { ...entry.facilityName }, kind: entry.facilityKind,
    co2,
    temperature: roundOneDecimal(latest.temperature),
    humidity: roundOneDecimal(latest.humidity),
    // The level is taken from the rounded value so that what is shown and its colour always agree.
    level: levelFor(co2, entry.thresholds),
    updatedAt: toIsoTime(latest.time),
    stale: false,
  };
}

/** A history point with ISO time and rounded values. */
export function toPublicPoint(p: HistoryPoint): PublicPoint {
  return { time: toIsoTime(p.time), co2: roundCo2(p.co2), temperature: roundOneDecimal(p.temperature), humidity: roundOneDecimal(p.humidity) };
}

/** Reads the statuses of all registry rooms. */
export type RoomStatusSource = {
  /**
   * Every registry room in registry order, optionally only one facility's. A room whose reading
   * and staleness did not change since the previous call is returned as the same object: treat the
   * statuses as immutable (callers may key caches on them, as the room list and the stream do).
   */
  list(facilityId?: string): Promise<RoomStatus[]>;
};

/** What a room's status was made from: equal inputs make an equal status. */
type Made = { row: RoomLatest | undefined; stale: boolean; status: RoomStatus };

const sameRow = (a: RoomLatest | undefined, b: RoomLatest | undefined): boolean =>
  a === b || (a !== undefined && b !== undefined && a.time === b.time && a.co2 === b.co2 && a.temperature === b.temperature && a.humidity === b.humidity);

/**
 * Builds the status source. Concurrent callers share one in-flight `store.latest()` call, so a burst
 * of page loads (a signage wall, a link shared in a ward newsletter) costs the store one query, not
 * hundreds; nothing is cached beyond that, so a reading is visible as soon as it is stored. Only
 * the mapping is remembered: a room that did not change keeps its status object, so a city of
 * 12,000 rooms, of which a few hundred change between two calls, costs a comparison per room.
 */
export function createRoomStatusSource(deps: { registry: Registry; store: ReadingStore; now: () => number; staleAfterMs: number }): RoomStatusSource {
  let inFlight: Promise<Map<string, RoomLatest>> | undefined;
  const fetchLatest = (): Promise<Map<string, RoomLatest>> => {
    inFlight ??= deps.store
      .latest(Math.max(LAST_SEEN_LOOKBACK_MS, deps.staleAfterMs))
      .then((rows) => new Map(rows.map((r) => [`${r.facility}/${r.room}`, r])))
      .finally(() => {
        inFlight = undefined;
      });
    return inFlight;
  };
  const made = new WeakMap<RoomEntry, Made>();
  // Keys made once: building 12,000 strings per call was a third of a list's time.
  const keys = deps.registry.rooms.map((r) => `${r.facilityId}/${r.roomId}`);
  return {
    async list(facilityId) {
      const latest = await fetchLatest();
      // The store's answer can hold the event loop for ~15 ms with 12,000 rooms (SQLite answers
      // synchronously): let the requests that waited meanwhile go first, then map it.
      await new Promise<void>((resolve) => setImmediate(resolve));
      const now = deps.now();
      const out: RoomStatus[] = [];
      for (const [i, r] of deps.registry.rooms.entries()) {
        if (facilityId !== undefined && r.facilityId !== facilityId) continue;
        const row = latest.get(keys[i] as string);
        const stale = !row || now - row.time > deps.staleAfterMs;
        const before = made.get(r);
        if (before && before.stale === stale && sameRow(before.row, row)) {
          out.push(before.status);
          continue;
        }
        const status = toRoomStatus(r, row, now, deps.staleAfterMs);
        made.set(r, { row, stale, status });
        out.push(status);
      }
      return out;
    },
  };
}
