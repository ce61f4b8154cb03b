/**
 * What a notice says, in Japanese and in English, before any channel lays it out. The readers are
 * nursery teachers, school staff and counter clerks reading a phone between two tasks, so every
 * message says, in plain words: which room, how bad, which way it is going, when, and what to do.
 * Layout (plain text, HTML mail, Slack blocks, a Teams card, a LINE text) is `message.ts`'s and
 * the channels' business; this module only chooses the words.
 */
import type { Level } from '../../../common/levels.ts';
import type { AckAction, AlertNotice, DigestItem, DigestNotice, NoticePlace, Trend } from './notifier.ts';

/** One language of a message. */
export type Lang = 'ja' | 'en';

/** Options for putting a notice into words. */
export type RenderOptions = {
  /** IANA time zone the event time is shown in; default `Asia/Tokyo` (the ward's facilities). */
  timeZone?: string;
};

/** A notice put into words in one language, not yet laid out. */
export type ComposedMessage = {
  lang: Lang;
  /** Mail subject / notification title, starting with the Kanki marker (【換気】 or [Kanki]). */
  subject: string;
  /** The same without the marker, used as a heading. */
  title: string;
  /** Sentences in reading order: what happened, trend, time, what to do. */
  lines: string[];
  /** A digest's one line per room (shown as a list); empty for an alert. */
  items: string[];
  /** The alert's level (colours); null for a digest. */
  level: Level | null;
};

const DEFAULT_TIME_ZONE = 'Asia/Tokyo';
const MARKER: Record<Lang, string> = { ja: '【換気】', en: '[Kanki] ' };

const LEVEL_WORDS: Record<Level, Record<Lang, string>> = {
  good: { ja: '良好', en: 'Good' },
  fair: { ja: 'やや注意', en: 'Fair' },
  ventilate: { ja: '換気してください', en: 'Please ventilate' },
  critical: { ja: 'すぐに換気', en: 'Ventilate now' },
  nodata: { ja: 'データなし', en: 'No data' },
};

const ACK_WORDS: Record<AckAction, Record<Lang, string>> = {
  windows_opened: { ja: '窓を開けた', en: 'windows opened' },
  occupancy_reduced: { ja: '人数を減らした', en: 'fewer people in the room' },
  false_alarm: { ja: '誤報だった', en: 'false alarm' },
};

/**
 * What to do, per situation. Cross ventilation through two openings on opposite sides moves far
 * more air than one wide window (MHLW's 換気の悪い密閉空間 guidance), and 10–15 cm is enough to
 * do it without chilling the room in winter — so the everyday advice is that, not "open everything".
 */
const ACTIONS = {
  ventilate: {
    ja: '対角線上の窓を2か所、10〜15cm開けてください。換気扇があれば回してください。',
    en: 'Open two windows on opposite sides (10–15 cm) and turn on the ventilation fan.',
  },
  critical: {
    ja: '今すぐ窓やドアを大きく開けて、換気扇を回してください。人が多いときは、一部の人に別の部屋へ移ってもらってください。',
    en: 'Open windows and doors wide now and turn on the ventilation fan. If the room is crowded, move some people to another room.',
  },
  relapse: {
    ja: 'もう一度窓を開けてください。さきほどのすき間では足りませんでした。閉めるときは、向かい合う2か所を前より広く（10〜20cmほど）開けたままにしてください。',
    en: 'Open the windows again. The gap left last time was not enough: when you close them, leave two windows on opposite sides open wider than before (10–20 cm).',
  },
  noImprovement: {
    ja: '窓を開けてもCO₂が下がっていません。開ける窓を増やすか、部屋の人数を減らしてください。',
    en: 'CO₂ has not fallen since windows were opened — open more windows or reduce the number of people in the room.',
  },
  checkMonitor: {
    ja: 'CO₂モニターの電源（USBケーブル・コンセント）とWi-Fiを確認してください。',
    en: "Check the CO₂ monitor's power (USB cable, socket) and its Wi-Fi.",
  },
  resolved: {
    ja: '窓は少しずつ閉めてかまいません。少しだけ開けておくと、また上がりにくくなります。',
    en: 'You can close the windows gradually. Leaving one open a little keeps CO₂ from rising again.',
  },
  improving: {
    ja: '良好になるまで、このまま換気を続けてください。',
    en: 'Keep ventilating until the level is good.',
  },
  watch: {
    ja: 'このまま様子を見てください。下がらないときは、またお知らせします。',
    en: 'Keep an eye on it; you will hear from us again if CO₂ does not fall.',
  },
} as const satisfies Record<string, Record<Lang, string>>;

/** The level in words, e.g. `critical` → 「すぐに換気」 / "Ventilate now". */
export function levelLabel(level: Level, lang: Lang): string {
  return LEVEL_WORDS[level][lang];
}

/** What staff said they did, e.g. `windows_opened` → 「窓を開けた」 / "windows opened". */
export function ackLabel(action: AckAction, lang: Lang): string {
  return ACK_WORDS[action][lang];
}

/** The level inside a sentence: as `levelLabel`, but lower-case in English ("1180 ppm (please ventilate)"). */
function levelInline(level: Level, lang: Lang): string {
  return lang === 'en' ? LEVEL_WORDS[level].en.toLowerCase() : LEVEL_WORDS[level].ja;
}

/** "西区役所 1階 窓口" / "1F service counter, Nishi Ward Office". */
export function placeName(place: NoticePlace, lang: Lang): string {
  return lang === 'ja' ? `${place.facility.name.ja} ${place.room.name.ja}` : `${place.room.name.en}, ${place.facility.name.en}`;
}

/** "1180 ppm", or 「データなし」 / "no data". */
export function ppmText(co2: number | null, lang: Lang): string {
  return co2 === null ? (lang === 'ja' ? 'データなし' : 'no data') : `${Math.round(co2)} ppm`;
}

/** An epoch-ms time as staff read it: 「11月24日 10:05」 / "Nov 24, 10:05" (24-hour clock). */
export function formatTime(at: number, lang: Lang, timeZone = DEFAULT_TIME_ZONE): string {
  return new Intl.DateTimeFormat(lang === 'ja' ? 'ja-JP' : 'en-US', {
    timeZone, month: lang === 'ja' ? 'long' : 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }).format(at);
}

/** A digest's day (`YYYY-MM-DD`, already local) as 「11月24日(火)」 / "Tue, Nov 24". */
export function formatDay(day: string, lang: Lang): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return day;
  // The day is a calendar date, not an instant: format it in UTC so no zone shifts it.
  const date = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return new Intl.DateTimeFormat(lang === 'ja' ? 'ja-JP' : 'en-US', {
    timeZone: 'UTC', month: lang === 'ja' ? 'long' : 'short', day: 'numeric', weekday: 'short',
  }).format(date);
}

/** 「上昇中（10分で +120 ppm）」 / "rising (+120 ppm per 10 min)". */
export function trendText(trend: Trend, lang: Lang): string {
  const n = Math.round(trend.ppmPer10Min);
  const signed = `${n > 0 ? '+' : n < 0 ? '-' : '±'}${Math.abs(n)} ppm`;
  if (lang === 'ja') {
    const word = { rising: '上昇中', steady: '横ばい', falling: '下降中' }[trend.direction];
    return `${word}（10分で ${signed}）`;
  }
  return `${trend.direction} (${signed} per 10 min)`;
}

/** What the recipient should do now, or null when nothing is asked of them. */
export function actionText(notice: AlertNotice, lang: Lang): string | null {
  const { type, level, reason, ack } = notice.event;
  switch (type) {
    case 'sensor_offline':
      return ACTIONS.checkMonitor[lang];
    case 'resolved':
      return ACTIONS.resolved[lang];
    case 'improving':
      return ACTIONS.improving[lang];
    case 'acknowledged':
      return ack?.action === 'false_alarm' ? null : ACTIONS.watch[lang];
    case 'escalated':
      if (reason === 'no_improvement') return ACTIONS.noImprovement[lang];
      if (reason === 'relapse') return ACTIONS.relapse[lang];
      break;
    case 'raised':
      // An early warning comes at "fair" or "good": the room still needs the windows opened now.
      if (reason === 'rising') return ACTIONS.ventilate[lang];
      break;
    case 'sensor_online':
      break;
  }
  if (level === 'critical') return ACTIONS.critical[lang];
  if (level === 'ventilate') return ACTIONS.ventilate[lang];
  if (level === 'nodata') return ACTIONS.checkMonitor[lang];
  return null;
}

/** The short status of an alert notice used in its subject and heading, e.g. 「すぐに換気（さらに上昇）」. */
function statusText(notice: AlertNotice, lang: Lang): string {
  const { type, level, reason, ack } = notice.event;
  const label = levelLabel(level, lang);
  const ja = lang === 'ja';
  switch (type) {
    case 'raised':
      if (reason === 'rising') return ja ? 'CO₂濃度が上がり続けています（まもなく換気が必要）' : 'CO₂ rising (fresh air needed soon)';
      return label;
    case 'escalated':
      if (reason === 'no_improvement') return ja ? `換気の効果が出ていません（${label}）` : `No improvement yet (${label})`;
      if (reason === 'relapse') return ja ? `再び上がっています（${label}）` : `Rising again (${label})`;
      if (reason === 'confirmed') return ja ? `${label}（早めのお知らせのとおり上昇）` : `${label} (as warned)`;
      if (reason === 'reminder') return ja ? `まだ対応の記録がありません（${label}）` : `Still no action recorded (${label})`;
      if (reason === 'critical') return ja ? `${label}（さらに上昇）` : `${label} (rising further)`;
      return ja ? `${label}（続いています）` : `${label} (still high)`;
    case 'resolved':
      return ja ? `解消しました（${label}）` : `Back to normal (${label})`;
    case 'sensor_offline':
      return ja ? `モニターの通信が途絶えました（${label}）` : `Monitor offline (${label})`;
    case 'sensor_online':
      return ja ? `モニターが復旧しました（${label}）` : `Monitor back online (${label})`;
    case 'acknowledged':
      if (!ack) return ja ? `対応が記録されました（${label}）` : `Action recorded (${label})`;
      return ja ? `対応記録: ${ackLabel(ack.action, lang)}（${label}）` : `Recorded: ${ackLabel(ack.action, lang)} (${label})`;
    case 'improving':
      return ja ? `改善しています（${label}）` : `Improving (${label})`;
  }
}

/** The first sentence: what happened, with the value. */
function leadText(notice: AlertNotice, lang: Lang, timeZone: string): string {
  const { type, level, co2, reason, ack, thresholds } = notice.event;
  const label = levelInline(level, lang);
  const ppm = ppmText(co2, lang);
  const ja = lang === 'ja';
  switch (type) {
    case 'raised': {
      if (reason === 'rising' && co2 !== null && co2 >= thresholds.ventilate) {
        // A fast climb: the value is over the line before the level has held long enough to confirm it.
        return ja
          ? `CO₂濃度が上がり続け、${thresholds.ventilate}ppmを超えました（現在 ${ppm}）。`
          : `CO₂ keeps rising and has passed ${thresholds.ventilate} ppm (now ${ppm}).`;
      }
      if (reason === 'rising') {
        const minutes = notice.event.projectedMinutes;
        const soon = minutes === undefined
          ? (ja ? 'まもなく' : 'soon')
          : (ja ? `約${minutes}分で` : `in about ${minutes} min`);
        return ja
          ? `CO₂濃度が上がり続けています（現在 ${ppm}）。${soon}${thresholds.ventilate}ppmを超える見込みです。`
          : `CO₂ keeps rising (now ${ppm}) and will pass ${thresholds.ventilate} ppm ${soon} at this rate.`;
      }
      if (level === 'critical') {
        return ja
          ? `CO₂濃度が ${ppm} になりました（${label}）。${thresholds.critical} ppm 以上は、すぐに換気が必要です。`
          : `CO₂ has reached ${ppm} (${label}). At ${thresholds.critical} ppm and above the room needs fresh air right away.`;
      }
      return ja
        ? `CO₂濃度が ${ppm} になりました（${label}）。${thresholds.ventilate} ppm 以上は換気が必要です。`
        : `CO₂ has reached ${ppm} (${label}). At ${thresholds.ventilate} ppm and above the room needs fresh air.`;
    }
    case 'escalated':
      if (reason === 'no_improvement') return ja ? `窓を開けた後も、CO₂濃度が下がっていません（現在 ${ppm}）。` : `CO₂ has not fallen since windows were opened (now ${ppm}).`;
      if (reason === 'relapse') return ja ? `換気で一度下がったCO₂濃度が、再び ${thresholds.ventilate} ppm を超えています（現在 ${ppm}）。` : `CO₂ fell after the windows were opened but is back above ${thresholds.ventilate} ppm (now ${ppm}).`;
      if (reason === 'reminder') return ja ? `CO₂濃度が高いままで、まだ対応の記録がありません（現在 ${ppm}、${label}）。` : `CO₂ is still high and no action has been recorded yet (now ${ppm}, ${label}).`;
      if (reason === 'confirmed') return ja ? `早めにお知らせしたとおり、CO₂濃度が ${thresholds.ventilate} ppm を超えました（現在 ${ppm}）。` : `As warned, CO₂ has passed ${thresholds.ventilate} ppm (now ${ppm}).`;
      if (reason === 'critical') return ja ? `CO₂濃度がさらに上がり、${ppm} になりました（${label}）。` : `CO₂ has risen further to ${ppm} (${label}).`;
      return ja ? `CO₂濃度が高い状態が続いています（現在 ${ppm}、${label}）。` : `CO₂ is still high (now ${ppm}, ${label}).`;
    case 'resolved':
      return ja ? `CO₂濃度が ${ppm} まで下がりました（${label}）。` : `CO₂ is back down to ${ppm} (${label}).`;
    case 'sensor_offline': {
      const why = offlineReason(reason, lang);
      return ja ? `CO₂モニターからデータが届いていません${why ? `（${why}）` : ''}。` : `The CO₂ monitor has stopped sending data${why ? ` (${why})` : ''}.`;
    }
    case 'sensor_online':
      return ja ? `CO₂モニターからのデータが再び届いています。現在 ${ppm}（${label}）。` : `The CO₂ monitor is sending data again. CO₂ is ${ppm} (${label}).`;
    case 'acknowledged': {
      const now = ja ? `現在 ${ppm}（${label}）。` : `CO₂ is now ${ppm} (${label}).`;
      if (!ack) return ja ? `対応が記録されました。${now}` : `An action was recorded. ${now}`;
      const when = formatTime(ack.at, lang, timeZone);
      return ja
        ? `${ack.by} が「${ackLabel(ack.action, lang)}」と記録しました（${when}）。${now}`
        : `${ack.by} recorded “${ackLabel(ack.action, lang)}” (${when}). ${now}`;
    }
    case 'improving':
      return ja ? `CO₂濃度が下がってきています（現在 ${ppm}、${label}）。` : `CO₂ is falling (now ${ppm}, ${label}).`;
  }
}

function offlineReason(reason: AlertNotice['event']['reason'], lang: Lang): string | null {
  const ja = lang === 'ja';
  if (reason === 'lwt') return ja ? 'モニターの接続が切れました' : 'it lost its connection';
  if (reason === 'silent') return ja ? 'しばらく測定値が届いていません' : 'no readings for a while';
  if (reason === 'flagged') return ja ? 'モニターがエラーを知らせています' : 'it reports an error';
  return null;
}

/**
 * From a room's second CO₂ alert of the day on: airing it when it alerts is not enough, so the
 * notice asks for MEXT's winter practice — two windows on opposite sides a little open all the time,
 * wide open in breaks — for the rest of the day. One sentence, on `raised` only.
 */
export function allDayAdvice(notice: AlertNotice, lang: Lang): string | null {
  const n = notice.event.alertsToday;
  if (notice.event.type !== 'raised' || n === undefined || n < 2) return null;
  return lang === 'ja'
    ? `この部屋は今日${n}回目の通知です。換気のあと窓を閉めるときは、向かい合う2か所を10〜20cmほど開けたままにし、今日はそのまま続けてください（休み時間は全開に）。`
    : `This is the room's alert number ${n} today. After airing, leave two windows on opposite sides open 10–20 cm and keep them so for the rest of the day (wide open in breaks).`;
}

/** Puts one alert notice into words in one language. */
export function composeAlert(notice: AlertNotice, lang: Lang, options: RenderOptions = {}): ComposedMessage {
  const timeZone = options.timeZone ?? DEFAULT_TIME_ZONE;
  const ja = lang === 'ja';
  const title = `${placeName(notice, lang)} — ${statusText(notice, lang)}`;
  const lines = [leadText(notice, lang, timeZone)];
  const { trend, type, at } = notice.event;
  if (trend && type !== 'sensor_offline') lines.push(`${ja ? '傾向' : 'Trend'}: ${trendText(trend, lang)}`);
  lines.push(`${ja ? '時刻' : 'Time'}: ${formatTime(at, lang, timeZone)}`);
  const action = actionText(notice, lang);
  if (action) lines.push(action);
  const advice = allDayAdvice(notice, lang);
  if (advice) lines.push(advice);
  const held = notice.suppressed ?? 0;
  if (held > 0) {
    lines.push(ja
      ? `このほか ${held} 件の通知は、送りすぎを防ぐため送っていません。`
      : `${held} other notification${held === 1 ? ' was' : 's were'} held back by the rate limit.`);
  }
  return { lang, subject: `${MARKER[lang]}${title}`, title, lines, items: [], level: notice.event.level };
}

function durationText(minutes: number, lang: Lang): string {
  const m = Math.max(0, Math.round(minutes));
  const h = Math.floor(m / 60);
  if (lang === 'ja') return h > 0 ? `${h}時間${m % 60}分` : `${m}分`;
  return h > 0 ? `${h} h ${m % 60} min` : `${m} min`;
}

function digestItemText(item: DigestItem, lang: Lang): string {
  const ja = lang === 'ja';
  const parts = ja
    ? [`アラート ${item.alerts}件`, `最高 ${ppmText(item.maxCo2, lang)}`, `続いた時間 計${durationText(item.openMinutes, lang)}`]
    : [`${item.alerts} alert${item.alerts === 1 ? '' : 's'}`, `max ${ppmText(item.maxCo2, lang)}`, `lasted ${durationText(item.openMinutes, lang)}`];
  if (item.acknowledged > 0) parts.push(ja ? `対応記録 ${item.acknowledged}件` : `${item.acknowledged} acknowledged`);
  if (item.sensorOffline > 0) parts.push(ja ? `モニター停止 ${item.sensorOffline}回` : `monitor offline ${item.sensorOffline}×`);
  if (item.stillOpen) parts.push(ja ? 'まだ続いています' : 'still open');
  return `${placeName(item, lang)}: ${parts.join(ja ? '、' : ', ')}`;
}

/** Puts a daily digest into words in one language: a heading with the day and one line per room. */
export function composeDigest(notice: DigestNotice, lang: Lang): ComposedMessage {
  const ja = lang === 'ja';
  const day = formatDay(notice.day, lang);
  const total = notice.items.reduce((sum, item) => sum + item.alerts, 0);
  const title = ja ? `${day}の換気のまとめ` : `Ventilation summary for ${day}`;
  const count = ja ? `アラート ${total}件` : `${total} alert${total === 1 ? '' : 's'}`;
  const lines = notice.items.length === 0 ? [ja ? 'この日のアラートはありませんでした。' : 'No alerts that day.'] : [];
  return { lang, subject: `${MARKER[lang]}${title} — ${count}`, title, lines, items: notice.items.map((i) => digestItemText(i, lang)), level: null };
}
