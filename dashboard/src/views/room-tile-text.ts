/**
 * Level symbols and the strings the live script needs to redraw a tile in the page's language —
 * handed to it in the page's JSON block, so the browser never carries a second copy of the
 * catalogues. Symbols follow the Japanese ○ △ ✕ convention people already know; they are text, not
 * emoji, so they keep the page's colours and print in black and white.
 */
import type { Level } from '../../../common/levels.ts';
import type { Translator } from '../i18n/i18n.ts';

export const LEVEL_ICONS: Readonly<Record<Level, string>> = Object.freeze({ good: '○', fair: '△', ventilate: '▲', critical: '✕', nodata: '－' });

const LEVELS: readonly Level[] = ['good', 'fair', 'ventilate', 'critical', 'nodata'];

/** What `live.js` needs: level words, advice, icons, the time templates, locale and zone. */
export function liveStrings(t: Translator) {
  return {
    locale: t.locale,
    timeZone: t.timeZone,
    levels: Object.fromEntries(LEVELS.map((l) => [l, { word: t.t(`level.${l}`), advice: t.t(`advice.${l}`), icon: LEVEL_ICONS[l] }])),
    measuredAt: t.t('room.measuredAt'),
    noDataSince: t.t('room.noDataSince'),
    noDataEver: t.t('room.noDataEver'),
    connected: t.t('live.connected'),
    disconnected: t.t('live.disconnected'),
  };
}
