// Live tiles: keeps every room tile on the page current through the dashboard's Server-Sent Events
// stream (/api/v1/stream). One connection per page; the browser reconnects by itself. While
// disconnected the page says so and keeps the last values, each with its own time.
const dataEl = document.getElementById('kanki-data');
const data = dataEl ? JSON.parse(dataEl.textContent || '{}') : {};
const s = data.strings;
const statusEl = document.getElementById('live-status');
const tiles = new Map();
for (const el of document.querySelectorAll('[data-room]')) tiles.set(el.dataset.room, el);

const dateTime = new Intl.DateTimeFormat(s.locale, { timeZone: s.timeZone || 'Asia/Tokyo', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
const number = new Intl.NumberFormat(s.locale, { maximumFractionDigits: 0 });

function setStatus(up) {
  if (!statusEl) return;
  statusEl.hidden = false;
  statusEl.dataset.state = up ? 'up' : 'down';
  statusEl.textContent = up ? s.connected : s.disconnected;
}

function timeText(room) {
  if (!room.updatedAt) return s.noDataEver;
  const t = dateTime.format(new Date(room.updatedAt));
  return (room.stale ? s.noDataSince : s.measuredAt).replace('{time}', t);
}

function update(room) {
  const el = tiles.get(`${room.facility}/${room.room}`);
  if (!el) return;
  const level = s.levels[room.level];
  el.className = el.className.replace(/\blevel-\w+/, `level-${room.level}`);
  el.dataset.level = room.level;
  const value = room.co2 === null ? '－' : number.format(room.co2);
  el.querySelector('.value').textContent = value;
  el.querySelector('.level-word').textContent = level.word;
  el.querySelector('.badge .icon').textContent = level.icon;
  el.querySelector('.advice').textContent = level.advice;
  const time = el.querySelector('.time');
  time.textContent = timeText(room);
  if (room.updatedAt) time.setAttribute('datetime', room.updatedAt);
  const link = el.querySelector('.room-link');
  if (link) link.setAttribute('aria-label', `${link.textContent}: ${room.co2 === null ? '' : `${value} ppm, `}${level.word}`);
}

if (data.stream && tiles.size > 0 && 'EventSource' in window) {
  const source = new EventSource(data.stream);
  source.addEventListener('snapshot', (e) => {
    for (const room of JSON.parse(e.data).rooms) update(room);
    setStatus(true);
  });
  source.addEventListener('room', (e) => update(JSON.parse(e.data)));
  source.addEventListener('open', () => setStatus(true));
  source.addEventListener('error', () => setStatus(false));
}
