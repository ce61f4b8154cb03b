// Lobby signage (see dashboard/src/views/signage.ts). Keeps the server-rendered room tiles live over
// the facility's Server-Sent Events stream, rotates through the rooms when they do not fit at once,
// alternates languages, and stays honest when the network goes: the last values stay up with their
// age, an offline banner shows, a value older than the stale limit turns into "no data", and the
// stream is reopened — also when it stalls without closing (no heartbeat for 60 s). Once a day, at
// night and only when the server answers, the page reloads itself to pick up new code.
//
// The stream is read by event-stream.js rather than EventSource: EventSource hides the server's
// heartbeat comments, so a stalled connection could not be told apart from a quiet facility.
import { openEventStream } from './event-stream.js';

/** How often ages, stale values and the clock are redrawn. */
const TICK_MS = 5_000;
const URGENCY = { critical: 4, ventilate: 3, fair: 2, good: 1, nodata: 0 };

const data = JSON.parse(document.getElementById('kanki-data')?.textContent || '{}');
const root = document.querySelector('.signage');
const tiles = root ? [...root.querySelectorAll('.signage-room[data-room]')] : [];
const statusEl = document.getElementById('signage-status');
const explainEl = document.getElementById('signage-explain');
const clockEl = document.getElementById('signage-clock');
const pageEl = document.getElementById('signage-page');
const facilityEl = root?.querySelector('.signage-facility');
const legendEls = root ? [...root.querySelectorAll('.signage-legend')] : [];

// Ages are judged on the server's clock: the clock of a PC behind a lobby screen is often wrong.
let clockOffset = typeof data.serverNow === 'number' ? data.serverNow - Date.now() : 0;
const now = () => Date.now() + clockOffset;

/** Last known public status per room: only these fields are ever kept. */
const rooms = new Map((data.rooms || []).map((r) => [r.key, r]));
const langs = data.langs || [];
const rotating = tiles.length > data.maxAtOnce;
const mixedLegends = (data.legends || []).length > 1;
let step = 0;

/** `connecting` until the first snapshot, then `live` or `offline`. */
let state = 'connecting';
let offlineSince = 0;

const clockFormats = new Map();
function clock(locale, ms) {
  let f = clockFormats.get(locale);
  if (!f) clockFormats.set(locale, (f = new Intl.DateTimeFormat(locale, { timeZone: data.timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })));
  return f.format(ms);
}

function setText(el, text) {
  if (el && el.textContent !== text) el.textContent = text;
}

function ageText(s, ms) {
  const age = Math.max(0, ms);
  if (age < 60_000) return s.age.now;
  if (age < 3_600_000) return s.age.minutes.replace('{n}', String(Math.floor(age / 60_000)));
  if (age < 86_400_000) return s.age.hours.replace('{n}', String(Math.floor(age / 3_600_000)));
  return s.age.days.replace('{n}', String(Math.floor(age / 86_400_000)));
}

/** What to show for a room now: its value, or "no data" once the last one is older than the stale limit. */
function effective(room) {
  const fresh = room && room.updatedAt && room.co2 !== null && !room.stale && now() - Date.parse(room.updatedAt) <= data.staleAfterMs;
  return fresh ? { level: room.level, co2: room.co2 } : { level: 'nodata', co2: null };
}

function setLevelClass(el, level) {
  el.className = el.className.replace(/\blevel-\w+/, `level-${level}`);
  el.dataset.level = level;
}

function drawTile(el, s) {
  const room = rooms.get(el.dataset.room);
  const { level, co2 } = effective(room);
  const text = s.levels[level];
  setLevelClass(el, level);
  setText(el.querySelector('.signage-name'), s.rooms[el.dataset.room] || '');
  const value = co2 === null ? '－' : String(co2);
  const valueEl = el.querySelector('.signage-value');
  setText(valueEl, value);
  valueEl?.classList.toggle('signage-value--long', value.length > 4);
  setText(el.querySelector('.signage-icon'), text.icon);
  setText(el.querySelector('.signage-word'), text.word);
  setText(el.querySelector('.signage-advice'), text.advice);
  const ageEl = el.querySelector('.signage-age');
  if (!ageEl) return;
  if (!room || !room.updatedAt) {
    setText(ageEl, s.noDataEver);
    return;
  }
  let time = ageEl.querySelector('time');
  if (!time) {
    ageEl.textContent = '';
    time = ageEl.appendChild(document.createElement('time'));
  }
  if (time.getAttribute('datetime') !== room.updatedAt) time.setAttribute('datetime', room.updatedAt);
  setText(time, (level === 'nodata' ? s.lastData : s.measured).replace('{age}', ageText(s, now() - Date.parse(room.updatedAt))));
}

function drawLegends(s, shownTile) {
  const want = rotating && shownTile ? shownTile.dataset.legend : mixedLegends ? 'words' : '0';
  for (const legend of legendEls) {
    legend.hidden = legend.dataset.legend !== want;
    legend.setAttribute('aria-label', s.legend);
    const th = (data.legends || [])[Number(legend.dataset.legend)];
    for (const item of legend.querySelectorAll('[data-level]')) {
      const level = item.dataset.level;
      setText(item.querySelector('.signage-legend-icon'), s.levels[level].icon);
      setText(item.querySelector('.signage-legend-word'), s.levels[level].word);
      if (th) setText(item.querySelector('.signage-legend-range'), level === 'good' ? s.rangeBelow.replace('{ppm}', String(th.fair)) : s.rangeFrom.replace('{ppm}', String(th[level])));
    }
  }
}

function drawStatus(s) {
  if (!statusEl) return;
  statusEl.hidden = false;
  statusEl.dataset.state = state;
  setText(statusEl, state === 'offline' ? s.status.offline.replace('{time}', clock(s.locale, offlineSince)) : s.status[state]);
}

function render() {
  if (!root || langs.length === 0) return;
  const s = langs[step % langs.length];
  const shownIndex = Math.floor(step / langs.length) % Math.max(1, tiles.length);
  if (document.documentElement.lang !== s.htmlLang) document.documentElement.lang = s.htmlLang;
  setText(facilityEl, s.facility);
  tiles.forEach((el, i) => {
    el.hidden = rotating && i !== shownIndex;
    drawTile(el, s);
  });
  const shown = rotating ? [tiles[shownIndex]] : tiles;
  const worst = shown.reduce((w, el) => (el && URGENCY[el.dataset.level] > URGENCY[w] ? el.dataset.level : w), 'nodata');
  if (explainEl) {
    setLevelClass(explainEl, worst);
    setText(explainEl, s.levels[worst].explain);
  }
  drawLegends(s, rotating ? tiles[shownIndex] : undefined);
  if (pageEl) {
    pageEl.hidden = !rotating;
    setText(pageEl, `${shownIndex + 1} / ${tiles.length}`);
  }
  if (clockEl) {
    setText(clockEl, clock(s.locale, now()));
    clockEl.setAttribute('datetime', new Date(now()).toISOString());
  }
  drawStatus(s);
}

function setState(next) {
  if (next === 'offline' && state !== 'offline') offlineSince = now();
  state = next;
}

// --- The stream --------------------------------------------------------------------------------

function applyStatus(r) {
  const key = `${r.facility}/${r.room}`;
  if (!rooms.has(key)) return;
  rooms.set(key, { key, co2: r.co2, level: r.level, updatedAt: r.updatedAt, stale: r.stale });
}

/** The server's heartbeat comment is its current time: keep the clock offset current. */
function onComment(text) {
  const t = Date.parse(text);
  if (Number.isFinite(t)) clockOffset = t - Date.now();
}

let stream = null;
function onEvent(event, text) {
  if (event !== 'snapshot' && event !== 'room') return;
  let payload;
  try {
    payload = JSON.parse(text);
  } catch {
    return;
  }
  if (event === 'snapshot') {
    for (const r of payload.rooms || []) applyStatus(r);
    stream?.connected();
    // Reachable but without a data source (store or broker down): the values will not move; say so.
    setState(payload.live === false ? 'offline' : 'live');
  } else {
    applyStatus(payload);
    if (state === 'offline' && !payload.stale) setState('live');
  }
  render();
}

function onDown() {
  setState('offline');
  render();
}

// --- Timers ------------------------------------------------------------------------------------

let reloading = false;
async function maybeReload() {
  if (reloading || !(now() >= data.reloadAt)) return;
  reloading = true;
  try {
    // Only when the server answers: a reload during an outage would replace the last values with an error page.
    const res = await fetch(window.location.href, { method: 'HEAD', cache: 'no-store' });
    if (res.ok) {
      window.location.reload();
      return;
    }
  } catch {
    // Unreachable: try again below.
  }
  data.reloadAt = now() + 5 * 60_000;
  reloading = false;
}

function tick() {
  render();
  void maybeReload();
}

let rotation = null;
function startRotation() {
  clearInterval(rotation);
  if (rotating || langs.length > 1) {
    rotation = setInterval(() => {
      step++;
      render();
    }, data.intervalMs);
  }
}

// Screens are not touched, but a keyboard still works: arrows step through rooms and languages.
document.addEventListener('keydown', (e) => {
  if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
  const total = (rotating ? tiles.length : 1) * Math.max(1, langs.length);
  step = (step + (e.key === 'ArrowRight' ? 1 : total - 1)) % total;
  render();
  startRotation();
});

// Back online: try at once instead of waiting out the backoff.
window.addEventListener('online', () => stream?.retryNow());

// Keep the screen on where the browser allows it (secure contexts only); failing is harmless.
async function keepAwake() {
  try {
    await navigator.wakeLock?.request('screen');
  } catch {
    // Not allowed or not supported.
  }
}
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible') void keepAwake();
});

if (root && langs.length > 0) {
  root.classList.toggle('signage--rotating', rotating);
  render();
  startRotation();
  setInterval(tick, TICK_MS);
  void keepAwake();
  if (data.stream) stream = openEventStream({ url: data.stream, onEvent, onComment, onDown });
}
