/**
 * The public overview page: every facility and its rooms with CO₂, level and time of reading.
 * Server-rendered, no JavaScript, readable on a phone, a PC and a signage screen; it reloads itself
 * once a minute (readings arrive about once a minute). Bilingual (ja/en) with `lang` on every text.
 */
import type { FacilityEntry, FacilityKind, LocalizedName } from '../../../common/registry.ts';
import type { RoomStatus } from '../room-status.ts';
import { html, type SafeHtml } from './html.ts';
import { LEVEL_LABELS } from './level-labels.ts';

/** Everything the page shows; the route gathers it. */
export type OverviewModel = {
  facilities: readonly FacilityEntry[];
  rooms: readonly RoomStatus[];
  /** Epoch ms of rendering. */
  now: number;
  /** IANA zone for displayed times. */
  timeZone: string;
};

/** Path of the page's stylesheet (served by the overview route; a file, not inline, for a strict CSP). */
export const OVERVIEW_CSS_PATH = '/assets/kanki.css';

/** Seconds between automatic reloads of the page. */
export const OVERVIEW_REFRESH_SECONDS = 60;

const KIND_LABELS: Record<FacilityKind, { ja: string; en: string }> = {
  office: { ja: '庁舎', en: 'Office' },
  school: { ja: '学校', en: 'School' },
  nursery: { ja: '保育園', en: 'Nursery' },
  community: { ja: '地区センター', en: 'Community centre' },
  hall: { ja: 'ホール', en: 'Hall' },
  shelter: { ja: '避難所', en: 'Shelter' },
  other: { ja: 'その他', en: 'Other' },
};

function bilingual(name: LocalizedName | { ja: string; en: string }): SafeHtml {
  return html`<span lang="ja">${name.ja}</span> <span lang="en" class="en">${name.en}</span>`;
}

function formatTime(ms: number, timeZone: string): string {
  return new Intl.DateTimeFormat('ja-JP', { timeZone, month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(ms);
}

function timeCell(room: RoomStatus, timeZone: string): SafeHtml {
  if (room.updatedAt === null) return html`<span class="time">－</span>`;
  const t = html`<time datetime="${room.updatedAt}">${formatTime(Date.parse(room.updatedAt), timeZone)}</time>`;
  return room.stale
    ? html`<span class="time"><span lang="ja">最終受信</span> <span lang="en" class="en">last reading</span> ${t}</span>`
    : html`<span class="time"><span lang="ja">測定</span> <span lang="en" class="en">measured</span> ${t}</span>`;
}

function roomCard(room: RoomStatus, timeZone: string): SafeHtml {
  const label = LEVEL_LABELS[room.level];
  const easy = room.name['ja-easy'];
  return html`<li class="room level-${room.level}">
  <h3 class="room-name">${bilingual(room.name)}${easy ? html` <span lang="ja" class="easy">（${easy}）</span>` : ''}</h3>
  <p class="co2">${room.co2 === null ? html`<span class="value">－</span>` : html`<span class="value">${room.co2}</span> <span class="unit">ppm</span>`}</p>
  <p class="badge"><span class="icon" aria-hidden="true">${label.icon}</span> <span lang="ja">${label.ja}</span> <span lang="en">${label.en}</span></p>
  <p class="advice"><span lang="ja">${label.adviceJa}</span> <span lang="en" class="en">${label.adviceEn}</span></p>
  <p>${timeCell(room, timeZone)}</p>
</li>`;
}

function facilitySection(f: FacilityEntry, rooms: readonly RoomStatus[], timeZone: string): SafeHtml {
  const kind = KIND_LABELS[f.kind];
  const headingId = `facility-${f.id}`;
  return html`<section class="facility" aria-labelledby="${headingId}">
<h2 id="${headingId}">${bilingual(f.name)}</h2>
<p class="facility-meta">${bilingual(kind)}${f.shelter ? html` · <span lang="ja">地域防災拠点</span> <span lang="en" class="en">evacuation shelter</span>` : ''}${f.area ? html` · <span lang="ja">${f.area}</span>` : ''}</p>
<ul class="rooms">
${rooms.map((r) => roomCard(r, timeZone))}
</ul>
</section>`;
}

function legend(): SafeHtml {
  return html`<ul class="legend">${Object.entries(LEVEL_LABELS).map(
    ([level, l]) => html`<li class="level-${level}"><span class="icon" aria-hidden="true">${l.icon}</span> <span lang="ja">${l.ja}</span> <span lang="en">${l.en}</span></li>`,
  )}</ul>`;
}

/** Renders the complete HTML document. Every registry string is escaped by `html`. */
export function renderOverview(model: OverviewModel): string {
  const byFacility = new Map<string, RoomStatus[]>();
  for (const r of model.rooms) byFacility.set(r.facility, [...(byFacility.get(r.facility) ?? []), r]);
  const page = html`<!doctype html>
<html lang="ja">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="${OVERVIEW_REFRESH_SECONDS}">
<title>室内のCO₂濃度 Indoor CO₂ — Kanki</title>
<link rel="stylesheet" href="${OVERVIEW_CSS_PATH}">
</head>
<body>
<header>
<h1><span lang="ja">室内の二酸化炭素（CO₂）濃度</span> <span lang="en" class="en">Indoor CO₂ levels</span></h1>
<p><span lang="ja">CO₂濃度が高いときは窓を開けて換気しましょう。</span> <span lang="en" class="en">When CO₂ is high, open the windows to let fresh air in.</span></p>
${legend()}
<p class="updated"><span lang="ja">表示時刻</span> <span lang="en" class="en">as of</span> <time datetime="${new Date(model.now).toISOString()}">${formatTime(model.now, model.timeZone)}</time></p>
</header>
<main>
${model.facilities.filter((f) => byFacility.has(f.id)).map((f) => facilitySection(f, byFacility.get(f.id) ?? [], model.timeZone))}
</main>
<footer>
<p><span lang="ja">基準（部屋ごとに異なる場合があります）: 800 ppm 未満 良好、1000 ppm 以上 換気を、1500 ppm 以上 すぐに換気。</span>
<span lang="en" class="en">Thresholds (may differ per room): under 800 ppm good, from 1000 ppm ventilate, from 1500 ppm ventilate now.</span></p>
<p><a href="/api/v1/rooms">JSON API</a></p>
</footer>
</body>
</html>
`;
  return page.value;
}

/**
 * The page's stylesheet. Colours are paired with icons and words, and text on each colour meets
 * WCAG AA contrast (dark text on yellow/orange, white on green/red).
 */
export const OVERVIEW_CSS = `
:root { color-scheme: light; font-family: system-ui, "Hiragino Sans", "Noto Sans JP", "Yu Gothic", sans-serif; line-height: 1.5; }
body { margin: 0 auto; max-width: 72rem; padding: 1rem; color: #1a1a1a; background: #fafafa; }
h1 { font-size: 1.5rem; margin: 0 0 .5rem; }
h2 { font-size: 1.25rem; margin: 1.5rem 0 .25rem; }
h3 { font-size: 1rem; margin: 0; }
.en { color: #444; }
.easy { font-size: .85em; color: #444; }
.facility-meta, .updated, .time { font-size: .9rem; color: #444; }
.rooms, .legend { list-style: none; padding: 0; margin: .5rem 0; display: grid; gap: .75rem; }
.rooms { grid-template-columns: repeat(auto-fill, minmax(15rem, 1fr)); }
.legend { grid-template-columns: repeat(auto-fill, minmax(9rem, 1fr)); gap: .5rem; }
.legend li { padding: .25rem .5rem; border-radius: .25rem; }
.room { background: #fff; border: 1px solid #ccc; border-left: .6rem solid #888; border-radius: .4rem; padding: .75rem; }
.room p { margin: .25rem 0; }
.co2 .value { font-size: 2rem; font-weight: 700; font-variant-numeric: tabular-nums; }
.badge { display: inline-block; padding: .1rem .6rem; border-radius: 1rem; font-weight: 700; }
.icon { font-weight: 700; }
.advice { font-size: .9rem; }
.level-good .badge, .legend .level-good { background: #1b6e35; color: #fff; }
.level-fair .badge, .legend .level-fair { background: #f6c700; color: #1a1a1a; }
.level-ventilate .badge, .legend .level-ventilate { background: #f08a1c; color: #1a1a1a; }
.level-critical .badge, .legend .level-critical { background: #b3161b; color: #fff; }
.level-nodata .badge, .legend .level-nodata { background: #d6d6d6; color: #1a1a1a; }
.room.level-good { border-left-color: #1b6e35; }
.room.level-fair { border-left-color: #f6c700; }
.room.level-ventilate { border-left-color: #f08a1c; }
.room.level-critical { border-left-color: #b3161b; }
.room.level-nodata { border-left-color: #9e9e9e; }
a { color: #0b57d0; }
`;
