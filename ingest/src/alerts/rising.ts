/**
 * The early warning of the alert engine: is the room's value rising steadily enough that, at its
 * current slope, it will reach the ventilate threshold soon? Pure functions over a short, bounded
 * series of the room's values (one sample per `risingSpanMs / 10` of reading time).
 *
 * Why a Theil–Sen slope (the median of the slopes between every pair of samples) and an agreement
 * share: the room value is already a 3-minute median, but NDIR noise of ±30–50 ppm still moves it
 * by ±10–20 ppm. A least-squares slope follows one jump; the median pairwise slope ignores up to
 * ~29 % bad samples, and requiring most pairs to rise (a Kendall-like share) tells a steady climb
 * from a flat room whose noise happens to end high, or from a bump that came and went.
 */

/** One sample of the room value: reading time (epoch ms) and ppm. */
export type RisingSample = { t: number; v: number };

/** The rules of the early warning (fields of `AlertRules`, see rules.ts for the why of each default). */
export type RisingRules = {
  risingSpanMs: number;
  risingHorizonMs: number;
  risingMinRisePpm: number;
  risingAgreement: number;
};

/** Samples per span: one a minute with the default 10-minute span. */
const SAMPLES_PER_SPAN = 10;

/** What the slope says now: ppm per minute, and minutes to the threshold at that slope (Infinity when not rising). */
export type RisingProjection = { ppmPerMinute: number; minutes: number; agreement: number };

/**
 * The series with `value` at reading time `t` appended when it is at least a sample interval after
 * the last sample (readings in between are skipped: the projection uses the latest value anyway),
 * and samples older than the span dropped. At most `SAMPLES_PER_SPAN + 1` samples.
 */
export function addSample(samples: readonly RisingSample[], t: number, value: number, rules: RisingRules): RisingSample[] {
  const last = samples[samples.length - 1];
  // Three quarters of the interval: readings stamped on receipt jitter, and a reading a little early must not skip a whole interval.
  if (last !== undefined && t - last.t < (rules.risingSpanMs / SAMPLES_PER_SPAN) * 0.75) return samples as RisingSample[];
  const from = t - rules.risingSpanMs;
  let start = Math.max(0, samples.length - SAMPLES_PER_SPAN);
  while (start < samples.length && (samples[start] as RisingSample).t < from) start++;
  return [...samples.slice(start), { t, v: value }];
}

/**
 * The robust slope of the series and the minutes until `value` reaches `threshold` at that slope,
 * or null when the series is too short to judge (less than half the span, or fewer than 5 samples).
 */
export function project(samples: readonly RisingSample[], value: number, threshold: number, rules: RisingRules): RisingProjection | null {
  const n = samples.length;
  const first = samples[0];
  const last = samples[n - 1];
  if (n < 5 || first === undefined || last === undefined || last.t - first.t < rules.risingSpanMs / 2) return null;
  const slopes: number[] = [];
  let rising = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const a = samples[i] as RisingSample;
      const b = samples[j] as RisingSample;
      if (b.t === a.t) continue;
      const slope = ((b.v - a.v) / (b.t - a.t)) * 60_000;
      slopes.push(slope);
      if (slope > 0) rising++;
    }
  }
  if (slopes.length === 0) return null;
  slopes.sort((a, b) => a - b);
  const mid = slopes.length >> 1;
  const ppmPerMinute = slopes.length % 2 ? (slopes[mid] as number) : ((slopes[mid - 1] as number) + (slopes[mid] as number)) / 2;
  const minutes = ppmPerMinute > 0 ? Math.max(0, (threshold - value) / ppmPerMinute) : Infinity;
  return { ppmPerMinute, minutes, agreement: rising / slopes.length };
}

/** The slope (ppm per minute) the rise must at least have: `risingMinRisePpm` per span. */
function minSlope(rules: RisingRules): number {
  return rules.risingMinRisePpm / (rules.risingSpanMs / 60_000);
}

/** Raise early: a steady rise (most pairs agree, at least the minimum slope) that reaches the threshold within the horizon. */
export function risingNow(p: RisingProjection | null, rules: RisingRules): boolean {
  return p !== null && p.agreement >= rules.risingAgreement && p.ppmPerMinute >= minSlope(rules) && p.minutes * 60_000 <= rules.risingHorizonMs;
}

/**
 * Still rising, with hysteresis against `risingNow` so an early alert does not flap: half the
 * slope, twice the horizon, and a bare majority of rising pairs are enough to keep it.
 */
export function stillRising(p: RisingProjection | null, rules: RisingRules): boolean {
  return p !== null && p.agreement > 0.5 && p.ppmPerMinute >= minSlope(rules) / 2 && p.minutes * 60_000 <= 2 * rules.risingHorizonMs;
}
