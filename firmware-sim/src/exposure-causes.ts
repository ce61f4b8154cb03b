/**
 * Where the minutes a room still spends above 1000 ppm with the closed loop come from: each such
 * minute is put down to what staff and Kanki were doing about the room then, and to the timetable
 * segment it fell in. A reduction short of its goal is then read off the report — minutes before any
 * notice are a detection problem, minutes with staff on their way a delay, minutes with the windows
 * open a ventilation one — instead of guessed. Pure: the closed loop supplies the phase and label.
 */

/** What was happening about a room in one minute above 1000 ppm. */
export const EXPOSURE_PHASES = ['no_alert', 'staff_on_the_way', 'not_acted', 'windows_wide', 'windows_ajar'] as const;
export type ExposurePhase = (typeof EXPOSURE_PHASES)[number];

/** Plain words for each phase, for the report. */
export const PHASE_WORDS: Readonly<Record<ExposurePhase, string>> = Object.freeze({
  no_alert: 'no alert open',
  staff_on_the_way: 'alert open, staff on their way',
  not_acted: 'alert open, windows shut (notice missed, or closed again)',
  windows_wide: 'windows wide open',
  windows_ajar: 'windows ajar',
});

/** Minutes above 1000 ppm per phase, and per phase and timetable segment. */
export type ExposureCauses = {
  byPhase: Record<ExposurePhase, number>;
  /** `phase|segment label` → minutes. */
  byPhaseAndSegment: Map<string, number>;
};

/** No minutes yet. */
export function createExposureCauses(): ExposureCauses {
  return { byPhase: { no_alert: 0, staff_on_the_way: 0, not_acted: 0, windows_wide: 0, windows_ajar: 0 }, byPhaseAndSegment: new Map() };
}

/** Puts one minute above 1000 ppm down to `phase` in the timetable segment `segment`. */
export function recordCause(causes: ExposureCauses, phase: ExposurePhase, segment: string): void {
  causes.byPhase[phase]++;
  const key = `${phase}|${segment}`;
  causes.byPhaseAndSegment.set(key, (causes.byPhaseAndSegment.get(key) ?? 0) + 1);
}

/** What staff are doing about a room at one instant, as the closed loop knows it. */
export type RoomSituation = {
  /** An alert for the room is open (raised and not yet resolved, as far as the notices said). */
  alertOpen: boolean;
  /** Staff decided to act and have not reached the windows yet (null: nobody on the way). */
  actingAt: number | null;
  /** Window kind of the override active then, if any. */
  windows: 'wide' | 'ajar' | null;
};

/** The phase of a minute ending at `t`. Open windows count first: they are what the room gets then. */
export function phaseOf(s: RoomSituation, t: number): ExposurePhase {
  if (s.windows === 'wide') return 'windows_wide';
  if (s.windows === 'ajar') return 'windows_ajar';
  if (!s.alertOpen) return 'no_alert';
  if (s.actingAt !== null && s.actingAt >= t - 60_000) return 'staff_on_the_way';
  return 'not_acted';
}

/** Sums many rooms' causes. */
export function sumCauses(all: Iterable<ExposureCauses>): ExposureCauses {
  const total = createExposureCauses();
  for (const c of all) {
    for (const p of Object.keys(c.byPhase) as ExposurePhase[]) total.byPhase[p] += c.byPhase[p];
    for (const [k, v] of c.byPhaseAndSegment) total.byPhaseAndSegment.set(k, (total.byPhaseAndSegment.get(k) ?? 0) + v);
  }
  return total;
}

/** A few lines: minutes per phase with its share, and the largest phase-and-segment pairs. */
export function formatCauses(causes: ExposureCauses, label: string, topSegments = 8): string {
  const total = EXPOSURE_PHASES.reduce((s, p) => s + causes.byPhase[p], 0);
  if (total === 0) return `${label}: no minutes above 1000 ppm with the loop\n`;
  const share = (n: number) => `${((100 * n) / total).toFixed(1)} %`;
  const lines = [`${label}: where the ${total} minutes above 1000 ppm with the loop fall`];
  for (const p of EXPOSURE_PHASES) lines.push(`  ${PHASE_WORDS[p].padEnd(58)} ${String(causes.byPhase[p]).padStart(6)}  ${share(causes.byPhase[p]).padStart(7)}`);
  const top = [...causes.byPhaseAndSegment].sort((a, b) => b[1] - a[1]).slice(0, topSegments);
  lines.push('  largest by timetable segment:');
  for (const [key, n] of top) {
    const [phase, segment] = key.split('|') as [ExposurePhase, string];
    lines.push(`    ${`${segment} — ${PHASE_WORDS[phase]}`.padEnd(80)} ${String(n).padStart(6)}  ${share(n).padStart(7)}`);
  }
  return `${lines.join('\n')}\n`;
}
