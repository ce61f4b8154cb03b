/**
 * The closed loop's result: per room and local day, minutes above 1000 and 1500 ppm of the true
 * room air with simulated staff reacting to alerts and in the room's counterfactual twin (same
 * occupancy, same seed, no reactions), plus the totals and the reduction. Built from tallies (pure)
 * and printed as a plain table by main.ts and the benchmark.
 */
import { createExposureCauses, formatCauses, sumCauses, type ExposureCauses } from './exposure-causes.ts';
import { reductionPercent, sumExposure, type DayExposure, type ExposureTally } from './exposure-tally.ts';

/** What staff did about one room on one day (counted on the day the notice came). */
export type RoomActions = { notices: number; windowOpenings: number; acks: number };

/** One room on one day. */
export type LoopReportRow = {
  facility: string;
  room: string;
  /** How the simulator uses the room (classroom, gym, …), so reports can pick classrooms. */
  use: string;
  day: string;
  withLoop: DayExposure;
  withoutLoop: DayExposure;
  /** That day's notices received, windows opened, acknowledgements recorded. */
  actions: RoomActions;
  /** What was happening in that day's minutes above 1000 ppm with the loop. */
  causes: ExposureCauses;
};

/** Totals over a set of rows. */
export type LoopTotals = {
  rooms: number;
  withLoop: { above1000: number; above1500: number };
  withoutLoop: { above1000: number; above1500: number };
  /** Percent fewer minutes with the loop; null when the twins had none. */
  reduction1000: number | null;
  reduction1500: number | null;
};

/** The whole report. `notices`: alert notices for the simulated rooms by `type` or `type:reason` (e.g. `raised:rising`), over the run. */
export type LoopReport = { rows: LoopReportRow[]; total: LoopTotals; notices: Record<string, number> };

/** One room's tallies, as the closed loop keeps them. */
export type RoomTallies = {
  facility: string; room: string; use: string; withLoop: ExposureTally; withoutLoop: ExposureTally;
  /** Day key → that day's actions. */
  actions: Map<string, RoomActions>;
  /** Day key → that day's causes of minutes above 1000 ppm with the loop. */
  causes: Map<string, ExposureCauses>;
};

const EMPTY_DAY: DayExposure = Object.freeze({ minutes: 0, above1000: 0, above1500: 0, peak: 0 });
const NO_ACTIONS: RoomActions = Object.freeze({ notices: 0, windowOpenings: 0, acks: 0 });

/** The day's actions of a room, created on first use. */
export function actionsOn(tallies: RoomTallies, day: string): RoomActions {
  let a = tallies.actions.get(day);
  if (!a) tallies.actions.set(day, (a = { ...NO_ACTIONS }));
  return a;
}

/** The day's causes of a room, created on first use. */
export function causesOn(tallies: RoomTallies, day: string): ExposureCauses {
  let c = tallies.causes.get(day);
  if (!c) tallies.causes.set(day, (c = createExposureCauses()));
  return c;
}

/** Rows for every room and day seen, in room order, and totals. */
export function buildLoopReport(rooms: readonly RoomTallies[], notices: Readonly<Record<string, number>> = {}): LoopReport {
  const rows: LoopReportRow[] = [];
  for (const r of rooms) {
    const days = new Set([...r.withoutLoop.keys(), ...r.withLoop.keys(), ...r.actions.keys()]);
    for (const day of days) {
      rows.push({
        facility: r.facility, room: r.room, use: r.use, day,
        withLoop: { ...(r.withLoop.get(day) ?? EMPTY_DAY) }, withoutLoop: { ...(r.withoutLoop.get(day) ?? EMPTY_DAY) },
        actions: { ...(r.actions.get(day) ?? NO_ACTIONS) },
        causes: structuredClone(r.causes.get(day) ?? createExposureCauses()),
      });
    }
  }
  return { rows, total: totalsOf(rows), notices: { ...notices } };
}

/** Totals and reductions over `rows` (e.g. only the classrooms). */
export function totalsOf(rows: readonly LoopReportRow[]): LoopTotals {
  const w = sumExposure(rows.map((r) => r.withLoop));
  const wo = sumExposure(rows.map((r) => r.withoutLoop));
  return {
    rooms: new Set(rows.map((r) => `${r.facility}/${r.room}`)).size,
    withLoop: { above1000: w.above1000, above1500: w.above1500 },
    withoutLoop: { above1000: wo.above1000, above1500: wo.above1500 },
    reduction1000: reductionPercent(w.above1000, wo.above1000),
    reduction1500: reductionPercent(w.above1500, wo.above1500),
  };
}

const pct = (v: number | null) => (v === null ? '—' : `${v.toFixed(1)} %`);

/** A fixed-width table: one line per room and day, then the total line(s). */
export function formatLoopReport(report: LoopReport, extraTotals: readonly { label: string; totals: LoopTotals }[] = []): string {
  const header = ['room', 'day', '>1000 loop', '>1000 no loop', '>1500 loop', '>1500 no loop', 'peak loop', 'peak no loop', 'notices', 'opened', 'acks'];
  const lines = report.rows.map((r) => [
    `${r.facility}/${r.room}`, r.day,
    String(r.withLoop.above1000), String(r.withoutLoop.above1000), String(r.withLoop.above1500), String(r.withoutLoop.above1500),
    String(Math.round(r.withLoop.peak)), String(Math.round(r.withoutLoop.peak)),
    String(r.actions.notices), String(r.actions.windowOpenings), String(r.actions.acks),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const fmt = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  const totalLine = (label: string, t: LoopTotals) =>
    `${label} (${t.rooms} rooms): minutes above 1000 ppm ${t.withLoop.above1000} with the loop vs ${t.withoutLoop.above1000} without (${pct(t.reduction1000)} fewer); ` +
    `above 1500 ppm ${t.withLoop.above1500} vs ${t.withoutLoop.above1500} (${pct(t.reduction1500)} fewer)`;
  return [
    fmt(header),
    ...lines.map(fmt),
    '',
    totalLine('All rooms', report.total),
    ...extraTotals.map((e) => totalLine(e.label, e.totals)),
    ...(Object.keys(report.notices).length > 0 ? [`Notices: ${Object.entries(report.notices).sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(', ')}`] : []),
    '',
    formatCauses(sumCauses(report.rows.map((r) => r.causes)), `These ${report.rows.length === 1 ? 'room' : 'rooms'}`),
  ].join('\n');
}
