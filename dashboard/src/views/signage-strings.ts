/**
 * Words and layout decisions of the lobby signage that the server and `signage.js` share: the
 * strings of each language the screen shows (handed to the script in the page's JSON block, so it
 * can alternate languages and redraw without a second copy of the catalogues), the age of a value
 * ("3分前"), the threshold ranges of the legend, and how many columns a grid of rooms gets.
 */
import { LEVELS, type Level, type Thresholds } from '../../../common/levels.ts';
import type { LocalizedName } from '../../../common/registry.ts';
import type { Translator } from '../i18n/i18n.ts';
import { LEVEL_ICONS } from './room-tile-text.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Level words, short advice, the longer "what to do" line and the symbol. */
export type SignageLevelText = { word: string; advice: string; explain: string; icon: string };

/** Everything `signage.js` needs in one language. */
export type SignageStrings = {
  lang: string;
  htmlLang: string;
  locale: string;
  facility: string;
  /** Room names by `facility/room`. */
  rooms: Record<string, string>;
  levels: Record<Level, SignageLevelText>;
  age: { now: string; minutes: string; hours: string; days: string };
  measured: string;
  lastData: string;
  noDataEver: string;
  status: { live: string; connecting: string; offline: string };
  legend: string;
  rangeBelow: string;
  rangeFrom: string;
};

/** The strings of one language; `{n}`, `{age}`, `{time}`, `{ppm}` are left for the script to fill. */
export function signageStrings(t: Translator, facilityName: LocalizedName, rooms: readonly { key: string; name: LocalizedName }[]): SignageStrings {
  return {
    lang: t.lang,
    htmlLang: t.htmlLang,
    locale: t.locale,
    facility: t.name(facilityName),
    rooms: Object.fromEntries(rooms.map((r) => [r.key, t.name(r.name)])),
    levels: Object.fromEntries(LEVELS.map((l) => [l, { word: t.t(`level.${l}`), advice: t.t(`advice.${l}`), explain: t.t(`explain.${l}`), icon: LEVEL_ICONS[l] }])) as Record<Level, SignageLevelText>,
    age: { now: t.t('signage.age.now'), minutes: t.t('signage.age.minutes'), hours: t.t('signage.age.hours'), days: t.t('signage.age.days') },
    measured: t.t('signage.measured'),
    lastData: t.t('signage.lastData'),
    noDataEver: t.t('room.noDataEver'),
    status: { live: t.t('signage.status.live'), connecting: t.t('signage.status.connecting'), offline: t.t('signage.status.offline') },
    legend: t.t('signage.legend'),
    rangeBelow: t.t('signage.range.below'),
    rangeFrom: t.t('signage.range.from'),
  };
}

/** "たった今", "3分前", "2時間前", "4日前": whole units, rounded down, never negative (clock skew). */
export function ageText(s: Pick<SignageStrings, 'age'>, ageMs: number): string {
  const age = Math.max(0, ageMs);
  const fill = (template: string, n: number) => template.replace('{n}', String(n));
  if (age < MINUTE) return s.age.now;
  if (age < HOUR) return fill(s.age.minutes, Math.floor(age / MINUTE));
  if (age < DAY) return fill(s.age.hours, Math.floor(age / HOUR));
  return fill(s.age.days, Math.floor(age / DAY));
}

/** The line under a room's value: "測定: 3分前", "最後のデータ: 2時間前", or "まだデータがありません". */
export function ageLine(s: SignageStrings, updatedAt: string | null, nodata: boolean, now: number): string {
  if (updatedAt === null) return s.noDataEver;
  return (nodata ? s.lastData : s.measured).replace('{age}', ageText(s, now - Date.parse(updatedAt)));
}

/** The range of each level under some thresholds, e.g. ventilate → "1000 ppm 以上"; none for `nodata`. */
export function levelRange(s: Pick<SignageStrings, 'rangeBelow' | 'rangeFrom'>, level: Level, th: Thresholds): string {
  if (level === 'good') return s.rangeBelow.replace('{ppm}', String(th.fair));
  if (level === 'nodata') return '';
  return s.rangeFrom.replace('{ppm}', String(th[level]));
}

/** How urgent a level is: the footer explains the most urgent level on screen. */
export const LEVEL_URGENCY: Readonly<Record<Level, number>> = Object.freeze({ critical: 4, ventilate: 3, fair: 2, good: 1, nodata: 0 });

/**
 * Columns of the grid of `n` rooms, on a landscape and a portrait screen: about square tiles, so
 * the value (sized to the tile) stays as large as it can. Rows follow from the count.
 */
export function gridColumns(n: number): { landscape: number; portrait: number } {
  const landscape = n <= 3 ? Math.max(1, n) : n === 4 ? 2 : n <= 6 ? 3 : n <= 12 ? 4 : n <= 20 ? 5 : 6;
  const portrait = n <= 3 ? 1 : n <= 8 ? 2 : n <= 15 ? 3 : 4;
  return { landscape, portrait };
}
