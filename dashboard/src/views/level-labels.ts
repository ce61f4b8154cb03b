/**
 * How each CO₂ level is shown to the public: words in Japanese and English, an icon and a colour.
 * All three carry the level, so it reads without colour vision, without the language, and on a
 * monochrome signage panel. Icons follow the Japanese ○ △ ✕ convention people already know.
 */
import type { Level } from '../../../common/levels.ts';

/** The public wording and symbol of one level. */
export type LevelLabel = {
  /** Short word: 良好 / Good. */
  ja: string;
  en: string;
  /** What to do, one short sentence. */
  adviceJa: string;
  adviceEn: string;
  /** A text symbol (not an emoji, so it keeps the page's colour and prints in black and white). */
  icon: string;
};

/** Labels of every level, including `nodata`. */
export const LEVEL_LABELS: Readonly<Record<Level, LevelLabel>> = Object.freeze({
  good: { ja: '良好', en: 'Good', adviceJa: '換気は十分です', adviceEn: 'Well ventilated', icon: '○' },
  fair: { ja: 'やや注意', en: 'Fair', adviceJa: 'そろそろ換気しましょう', adviceEn: 'Ventilate soon', icon: '△' },
  ventilate: { ja: '換気を', en: 'Ventilate', adviceJa: '窓を開けて換気してください', adviceEn: 'Please open windows and ventilate', icon: '▲' },
  critical: { ja: 'すぐに換気', en: 'Ventilate now', adviceJa: 'すぐに換気してください', adviceEn: 'Ventilate immediately', icon: '✕' },
  nodata: { ja: 'データなし', en: 'No data', adviceJa: 'センサーから最新のデータが届いていません', adviceEn: 'No recent data from the sensor', icon: '－' },
});
