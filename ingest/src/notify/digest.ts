/**
 * Daily digests: at a recipient's digest time (local), one message summing up the day in their
 * facilities — alerts per room, the highest CO₂, minutes with an alert open, acknowledgements,
 * sensor problems. Made at most once per recipient and day (claimed in the outbox database in
 * the same transaction that queues it), so a restart around digest time neither skips nor
 * repeats it. A day without any alert sends nothing.
 */
import { randomUUID } from 'node:crypto';
import { localDate, localMinutes } from '../../../common/calendar.ts';
import type { Registry } from '../../../common/registry.ts';
import type { AlertLog } from '../alerts/alert-log.ts';
import type { RecipientConfig } from './notify-config.ts';
import type { DigestItem, DigestNotice } from './notifier.ts';
import type { Outbox } from './outbox.ts';
import { recipientCovers } from './router.ts';

export type DigestDeps = {
  log: AlertLog;
  outbox: Outbox;
  registry: Registry;
  recipients: readonly RecipientConfig[];
  timeZone: string;
  /** `recipient/day` keys already claimed by this process: saves a database write per poll. */
  claimed: Set<string>;
};

/** Start of the local day containing `at` (epoch ms; zones with whole-minute offsets). */
export function startOfLocalDay(at: number, timeZone: string): number {
  return at - (at % 60_000) - localMinutes(at, timeZone) * 60_000;
}

/** The digest of `recipient` for the local day up to `now`, or null when nothing happened. */
export function buildDigest(deps: DigestDeps, recipient: RecipientConfig, now: number): DigestNotice | null {
  const from = startOfLocalDay(now, deps.timeZone);
  const covered = (facility: string, room: string) => {
    const entry = deps.registry.room(facility, room);
    return entry !== undefined && recipientCovers(recipient, entry) ? entry : undefined;
  };
  const items = new Map<string, DigestItem>();
  const item = (facility: string, room: string) => {
    const entry = covered(facility, room);
    if (!entry) return undefined;
    const key = `${facility}/${room}`;
    let it = items.get(key);
    if (!it) {
      it = { facility: { id: facility, name: entry.facilityName }, room: { id: room, name: entry.name }, alerts: 0, maxCo2: null, openMinutes: 0, acknowledged: 0, sensorOffline: 0, stillOpen: false };
      items.set(key, it);
    }
    return it;
  };
  for (const a of deps.log.alertsOverlapping(from, now)) {
    const it = item(a.facility, a.room);
    if (!it) continue;
    if (a.kind === 'sensor') {
      it.sensorOffline++;
      continue;
    }
    it.alerts++;
    it.openMinutes += Math.round((Math.min(a.closedAt ?? now, now) - Math.max(a.openedAt, from)) / 60_000);
    it.stillOpen ||= a.status === 'open';
  }
  for (const e of deps.log.eventsBetween(from, now)) {
    const it = e.kind === 'co2' ? item(e.facility, e.room) : undefined;
    if (!it) continue;
    if (e.co2 !== null) it.maxCo2 = Math.max(it.maxCo2 ?? e.co2, e.co2);
    if (e.type === 'acknowledged') it.acknowledged++;
  }
  if (items.size === 0) return null;
  const sorted = [...items.values()].sort((a, b) => b.openMinutes - a.openMinutes || a.facility.id.localeCompare(b.facility.id) || a.room.id.localeCompare(b.room.id));
  return { kind: 'digest', deliveryId: randomUUID(), day: localDate(now, deps.timeZone), items: sorted };
}

/** Queues every digest that is due at `now`. Returns how many were queued. */
export function queueDueDigests(deps: DigestDeps, now: number): number {
  const minutes = localMinutes(now, deps.timeZone);
  const day = localDate(now, deps.timeZone);
  let queued = 0;
  for (const r of deps.recipients) {
    if (!r.digest) continue;
    const [h, m] = r.digest.split(':').map(Number) as [number, number];
    if (minutes < h * 60 + m || deps.claimed.has(`${r.id}/${day}`)) continue;
    deps.claimed.add(`${r.id}/${day}`);
    deps.log.transaction(() => {
      if (!deps.outbox.claimDigest(r.id, day)) return;
      const notice = buildDigest(deps, r, now);
      if (!notice) return;
      deps.outbox.enqueue({ recipient: r.id, channel: r.channel, kind: 'digest', status: 'pending', nextAt: now, createdAt: now, notice });
      queued++;
    });
  }
  return queued;
}
