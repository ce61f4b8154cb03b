/**
 * Advice for one room beyond its level's explanation: tips for the kind of facility (a classroom
 * ventilates differently from a nursery nap room or a hall), for large spaces, and for the current
 * temperature and humidity (people close windows when it is cold; ventilating a little, all the
 * time, keeps both the air and the warmth).
 */
import type { RoomEntry } from '../../../common/registry.ts';
import type { Translator } from '../i18n/i18n.ts';
import type { RoomStatus } from '../room-status.ts';

/** A room of at least this volume (m³) is a gym or a hall, where doors matter more than windows. */
export const LARGE_ROOM_M3 = 1000;
/** Below this (°C) people keep windows shut; the tip says how to ventilate and stay warm. */
export const COLD_BELOW_C = 18;
/** Above this (°C) the tip says to ventilate with the air conditioning on. */
export const HOT_ABOVE_C = 28;
/** Below this (%RH) the air is dry: building hygiene standards ask for 40–70 %. */
export const DRY_BELOW_PERCENT = 40;

/** The tips to show for `entry` in its current state, most specific first. */
export function roomTips(t: Translator, entry: Pick<RoomEntry, 'facilityKind' | 'volume'>, status: Pick<RoomStatus, 'temperature' | 'humidity'>): string[] {
  const tips: string[] = [];
  if (entry.volume !== undefined && entry.volume >= LARGE_ROOM_M3) tips.push(t.t('tips.large'));
  tips.push(t.t(`tips.${entry.facilityKind}`));
  if (status.temperature !== null && status.temperature < COLD_BELOW_C) tips.push(t.t('tips.cold'));
  if (status.temperature !== null && status.temperature > HOT_ABOVE_C) tips.push(t.t('tips.hot'));
  if (status.humidity !== null && status.humidity < DRY_BELOW_PERCENT) tips.push(t.t('tips.dry'));
  return tips;
}
