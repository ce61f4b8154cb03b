// Room page: keeps the current value live over the facility's event stream, draws the history with
// Chart.js (CO₂ with the room's threshold bands, temperature and humidity below), and switches the
// range in place. The range links stay real links: without this script each is its own
// server-rendered page; with it, the new range's page is fetched and its summary, table and download
// links are swapped in (so the text alternative always matches the chart), then the chart is redrawn
// from the readings API URL that page names.
const dataEl = document.getElementById('kanki-data');
let data = dataEl ? JSON.parse(dataEl.textContent || '{}') : {};
const s = data.strings;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const dateTime = new Intl.DateTimeFormat(s.locale, { timeZone: data.timeZone, month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
const timeOfDay = new Intl.DateTimeFormat(s.locale, { timeZone: data.timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
const dayOfMonth = new Intl.DateTimeFormat(s.locale, { timeZone: data.timeZone, month: 'numeric', day: 'numeric', weekday: 'short' });
const parts = new Intl.DateTimeFormat('en-US', { timeZone: data.timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric' });
const integer = new Intl.NumberFormat(s.locale, { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat(s.locale, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const $ = (id) => document.getElementById(id);

// ---- Live current value -------------------------------------------------------------------

function setLiveStatus(up) {
  const el = $('live-status');
  if (!el) return;
  el.hidden = false;
  el.dataset.state = up ? 'up' : 'down';
  el.textContent = up ? s.connected : s.disconnected;
}

function showNow(room) {
  const box = $('room-now');
  if (!box) return;
  const level = s.levels[room.level];
  box.className = box.className.replace(/\blevel-\w+/, `level-${room.level}`);
  box.dataset.level = room.level;
  $('room-co2').textContent = room.co2 === null ? '－' : integer.format(room.co2);
  $('room-level-icon').textContent = level.icon;
  $('room-level-word').textContent = level.word;
  $('room-explain').textContent = s.explain[room.level];
  $('room-temperature').textContent = room.temperature === null ? '－' : `${oneDecimal.format(room.temperature)} °C`;
  $('room-humidity').textContent = room.humidity === null ? '－' : `${oneDecimal.format(room.humidity)} %`;
  const when = room.updatedAt ? dateTime.format(new Date(room.updatedAt)) : '';
  const text = !room.updatedAt ? s.noDataEver : (room.stale ? s.noDataSince : s.measuredAt).replace('{time}', when);
  const timeEl = $('room-time');
  timeEl.textContent = '';
  const t = document.createElement(room.updatedAt ? 'time' : 'span');
  t.className = 'time';
  if (room.updatedAt) t.setAttribute('datetime', room.updatedAt);
  t.textContent = text;
  timeEl.append(t);
}

// ---- Charts ------------------------------------------------------------------------------

/** Offset of the display zone from UTC at `t`, ms (so ticks fall on round local times). */
function zoneOffset(t) {
  const p = Object.fromEntries(parts.formatToParts(t).map((x) => [x.type, x.value]));
  const local = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour) % 24, Number(p.minute));
  return local - Math.floor(t / MINUTE) * MINUTE;
}

const STEPS = [10 * MINUTE, 15 * MINUTE, 30 * MINUTE, HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 2 * DAY, 7 * DAY];

function localTicks(min, max) {
  const step = STEPS.find((x) => x >= (max - min) / 8) ?? 7 * DAY;
  const off = zoneOffset(min);
  const unit = Math.min(step, DAY);
  const ticks = [];
  for (let v = Math.ceil((min + off) / unit) * unit - off; v <= max; v += step) ticks.push({ value: v });
  return { ticks, step };
}

function tickLabel(value, step) {
  if (step >= DAY) return dayOfMonth.format(value);
  const local = (value + zoneOffset(value)) % DAY;
  return local === 0 ? `${dayOfMonth.format(value)} ${timeOfDay.format(value)}` : timeOfDay.format(value);
}

/** Points with a null after every gap longer than `gap`, so the line breaks where data is missing. */
function withGaps(readings, key, gap) {
  const out = [];
  let last;
  for (const r of readings) {
    const x = Date.parse(r.time);
    if (last !== undefined && x - last > gap) out.push({ x: last + 1, y: null });
    out.push({ x, y: r[key] });
    last = x;
  }
  return out;
}
const GAP = { raw: 10 * MINUTE, '1m': 5 * MINUTE, '1h': 3 * HOUR };

// The room's thresholds as bands behind the line: ventilate..critical and above critical, with a
// dashed edge and a label, so the level of each part of the line reads without a legend.
const bandsPlugin = {
  id: 'kankiBands',
  beforeDatasetsDraw(chart) {
    const { ctx, chartArea: a, scales: { y } } = chart;
    const th = data.thresholds;
    const band = (from, to, fill, edge, label) => {
      const top = Math.max(a.top, y.getPixelForValue(to));
      const bottom = Math.min(a.bottom, y.getPixelForValue(from));
      if (bottom <= a.top) return;
      ctx.save();
      ctx.fillStyle = fill;
      ctx.fillRect(a.left, top, a.right - a.left, bottom - top);
      ctx.strokeStyle = edge;
      ctx.setLineDash([6, 4]);
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      ctx.moveTo(a.left, bottom);
      ctx.lineTo(a.right, bottom);
      ctx.stroke();
      ctx.fillStyle = '#1a1a1a';
      ctx.font = '12px system-ui, sans-serif';
      // Left-aligned: the newest values, which people look at first, are on the right.
      ctx.textAlign = 'left';
      ctx.fillText(label, a.left + 4, bottom - 4);
      ctx.restore();
    };
    band(th.ventilate, th.critical, 'rgba(230, 159, 0, 0.18)', '#8a5c00', `${s.levels.ventilate.icon} ${s.levels.ventilate.word} ${integer.format(th.ventilate)} ppm`);
    band(th.critical, Math.max(y.max, th.critical + 1), 'rgba(178, 60, 0, 0.14)', '#b23c00', `${s.levels.critical.icon} ${s.levels.critical.word} ${integer.format(th.critical)} ppm`);
  },
};

let co2Chart;
let climateChart;

function xAxis() {
  return {
    type: 'linear', min: data.from, max: data.to,
    afterBuildTicks(axis) {
      const { ticks, step } = localTicks(axis.min, axis.max);
      axis.ticks = ticks;
      axis.kankiStep = step;
    },
    ticks: { autoSkip: true, maxRotation: 0, callback(value) { return tickLabel(value, this.kankiStep ?? HOUR); } },
  };
}

function tooltip(unit, digits) {
  const f = digits ? oneDecimal : integer;
  return {
    callbacks: {
      title: (items) => (items[0] ? dateTime.format(items[0].parsed.x) : ''),
      label: (item) => `${item.dataset.label}: ${item.parsed.y === null ? '－' : f.format(item.parsed.y)}${unit ? ` ${unit}` : ''}`,
    },
  };
}

function draw(body) {
  const Chart = window.Chart;
  const gap = GAP[body.resolution] ?? HOUR;
  const co2 = withGaps(body.readings, 'co2', gap);
  const maxCo2 = Math.max(0, ...co2.map((p) => p.y ?? 0));
  const common = { parsing: false, animation: false, responsive: true, maintainAspectRatio: false, interaction: { mode: 'nearest', axis: 'x', intersect: false } };
  co2Chart?.destroy();
  climateChart?.destroy();
  co2Chart = new Chart($('history-chart'), {
    type: 'line',
    data: { datasets: [{ label: s.co2, data: co2, borderColor: '#1a1a1a', borderWidth: 2, pointRadius: 0, spanGaps: false }] },
    options: {
      ...common,
      scales: { x: xAxis(), y: { suggestedMin: 400, suggestedMax: Math.max(data.thresholds.critical + 200, maxCo2 * 1.05), title: { display: true, text: s.co2 } } },
      plugins: { legend: { display: false }, tooltip: tooltip('ppm', 0) },
    },
    plugins: [bandsPlugin],
  });
  climateChart = new Chart($('climate-chart'), {
    type: 'line',
    data: {
      datasets: [
        { label: s.temperature, data: withGaps(body.readings, 'temperature', gap), borderColor: '#d55e00', backgroundColor: '#d55e00', borderWidth: 2, pointRadius: 0, yAxisID: 'y' },
        { label: s.humidity, data: withGaps(body.readings, 'humidity', gap), borderColor: '#0072b2', backgroundColor: '#0072b2', borderWidth: 2, borderDash: [6, 3], pointRadius: 0, yAxisID: 'y1' },
      ],
    },
    options: {
      ...common,
      scales: {
        x: xAxis(),
        y: { position: 'left', title: { display: true, text: s.temperature } },
        y1: { position: 'right', suggestedMin: 20, suggestedMax: 80, grid: { drawOnChartArea: false }, title: { display: true, text: s.humidity } },
      },
      plugins: { legend: { display: true, labels: { usePointStyle: false } }, tooltip: tooltip('', 1) },
    },
  });
}

async function loadChart() {
  if (!window.Chart) return;
  const status = $('history-status');
  try {
    const res = await fetch(data.readingsUrl, { headers: { Accept: 'application/json' } });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const body = await res.json();
    $('history-figure').hidden = false;
    $('history-resolution').textContent = s.shown.replace('{resolution}', s.resolutions[body.resolution] ?? body.resolution);
    draw(body);
  } catch (err) {
    console.error('history chart:', err);
    $('history-figure').hidden = true;
    if (status) status.textContent = s.loadError;
  }
}

// ---- Range switching --------------------------------------------------------------------

const SWAPPED = ['history-summary', 'history-resolution', 'history-table-wrap', 'history-downloads'];

async function showRange(href, push) {
  const status = $('history-status');
  const url = new URL(href, location.href);
  url.hash = '';
  if (status) status.textContent = s.loading;
  try {
    const res = await fetch(url, { headers: { Accept: 'text/html' } });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const doc = new window.DOMParser().parseFromString(await res.text(), 'text/html');
    for (const id of SWAPPED) {
      const next = doc.getElementById(id);
      if (next) $(id)?.replaceWith(document.importNode(next, true));
    }
    for (const id of ['history-chart', 'climate-chart']) {
      const next = doc.getElementById(id);
      if (next) {
        $(id).setAttribute('aria-label', next.getAttribute('aria-label') ?? '');
        $(id).textContent = next.textContent;
      }
    }
    const langs = doc.querySelector('.lang-switch');
    if (langs) document.querySelector('.lang-switch')?.replaceWith(document.importNode(langs, true));
    data = { ...data, ...JSON.parse(doc.getElementById('kanki-data')?.textContent || '{}') };
    for (const a of document.querySelectorAll('.range-link')) {
      if (a.dataset.range === data.range) a.setAttribute('aria-current', 'true');
      else a.removeAttribute('aria-current');
    }
    $('history').dataset.range = data.range;
    if (push) window.history.pushState({ range: data.range }, '', `${url.pathname}${url.search}#history`);
    await loadChart();
    if (status && status.textContent === s.loading) status.textContent = $('history-summary')?.textContent ?? '';
  } catch (err) {
    console.error('range switch:', err);
    // Fall back to the plain link: the server renders the range.
    location.href = href;
  }
}

for (const a of document.querySelectorAll('.range-link')) {
  a.addEventListener('click', (e) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    if (a.getAttribute('aria-current') === 'true') return;
    showRange(a.href, true);
  });
}
// Back/forward between ranges. A same-page anchor (the skip link) also fires popstate: only a
// different range is worth a fetch.
window.addEventListener('popstate', () => {
  const range = new URL(location.href).searchParams.get('range') ?? data.defaultRange;
  if (range !== data.range) showRange(location.href, false);
});

// ---- Start -------------------------------------------------------------------------------

loadChart();

if (data.stream && 'EventSource' in window) {
  const source = new EventSource(data.stream);
  source.addEventListener('snapshot', (e) => {
    const room = JSON.parse(e.data).rooms.find((r) => `${r.facility}/${r.room}` === data.room);
    if (room) showNow(room);
    setLiveStatus(true);
  });
  source.addEventListener('room', (e) => {
    const room = JSON.parse(e.data);
    if (`${room.facility}/${room.room}` !== data.room) return;
    showNow(room);
    // On the shortest range the chart follows along; longer ranges show means the stream does not carry.
    if (co2Chart && data.range === '3h' && !room.stale && room.co2 !== null) {
      const x = Date.parse(room.updatedAt);
      const line = co2Chart.data.datasets[0].data;
      if (!line.length || x > line[line.length - 1].x) {
        line.push({ x, y: room.co2 });
        co2Chart.options.scales.x.max = Math.max(co2Chart.options.scales.x.max, x);
        co2Chart.update('none');
      }
    }
  });
  source.addEventListener('open', () => setLiveStatus(true));
  source.addEventListener('error', () => setLiveStatus(false));
}
