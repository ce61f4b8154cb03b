/**
 * Indoor CO₂ of one room as a single well-mixed zone (DESIGN.md "Simulator physics"):
 *
 *   dC/dt = S − λ·(C − C_out),   S = n·G·10⁶ / V   [ppm/s]
 *
 * with n people each exhaling G m³/s of CO₂ (tables give L/s: G = L/s ÷ 1000), room volume V in m³,
 * λ the outdoor-air change rate in 1/s (ACH ÷ 3600) and C_out the outdoor concentration. For inputs
 * that are constant over a step this has the exact solution
 *
 *   C(t + Δt) = C_ss + (C(t) − C_ss)·e^(−λΔt),   C_ss = C_out + S/λ
 *
 * which is stable and exact for any step size, so a `--speed 3600` run or a 45-minute single step
 * gives the same curve as one-second steps (an explicit Euler step would overshoot once λΔt > 1).
 * Everything here is a pure function.
 */

/**
 * CO₂ generation per person in L/s (Persily & de Jonge 2017, as quoted in DESIGN.md). Generation is
 * proportional to metabolic rate, so activity is a factor on these seated values (`ACTIVITY_FACTOR`).
 */
export const CO2_GENERATION_LPS = {
  /** Children 6–11 years, seated (elementary school lesson). */
  child6to11: 0.003,
  /** Children and teenagers 11–16 years, seated (junior high school lesson). */
  child11to16: 0.0045,
  /** Adults seated: middle of the 0.0040–0.0053 range (office work, meetings, audiences). */
  adult: 0.0046,
  /**
   * Children 1–5 years (nursery). Not in DESIGN.md: an estimate at 0.8 × the 6–11 value, for smaller
   * bodies that are rarely still.
   */
  youngChild: 0.0024,
} as const;

/** Person group whose generation rate applies. */
export type PersonGroup = keyof typeof CO2_GENERATION_LPS;

/**
 * Metabolic rate relative to sitting. Light activity 1.5: DESIGN.md's adult light-activity range
 * 0.0059–0.0076 L/s is ~1.5 × the seated one. Sleep ≈ 0.8 (≈ 0.95 met vs ≈ 1.2 met seated).
 * Active 3: PE, sports, children's play (≈ 3.5 met).
 */
export const ACTIVITY_FACTOR = { sleeping: 0.8, seated: 1, light: 1.5, active: 3 } as const;

/** What the people in a room are doing. */
export type Activity = keyof typeof ACTIVITY_FACTOR;

/** CO₂ generation in L/s of `count` people of one group doing one activity. */
export function generationLps(count: number, group: PersonGroup, activity: Activity): number {
  return count * CO2_GENERATION_LPS[group] * ACTIVITY_FACTOR[activity];
}

/** The average outdoor CO₂ the variation is centred on (global background ≈ 420 ppm in the mid-2020s). */
export const OUTDOOR_CO2_BASE_PPM = 420;

const DAY_MS = 86_400_000;
const JST_OFFSET_MS = 9 * 3_600_000;

/**
 * Outdoor CO₂ at a moment: 420 ppm with a daily swing of ±12 ppm (highest around 05:00 local time,
 * when the night-time boundary layer traps urban emissions; lowest in the afternoon when it mixes
 * up) and a seasonal ±4 ppm (northern-hemisphere maximum in spring, minimum in early autumn). Slow,
 * smooth and deterministic, so it never looks like sensor noise.
 */
export function outdoorCo2Ppm(simTimeMs: number): number {
  const localMs = simTimeMs + JST_OFFSET_MS;
  const hourOfDay = ((localMs % DAY_MS) + DAY_MS) % DAY_MS / 3_600_000;
  const dayOfYear = (localMs / DAY_MS) % 365.2425;
  const daily = 12 * Math.cos((2 * Math.PI * (hourOfDay - 5)) / 24);
  const seasonal = 4 * Math.cos((2 * Math.PI * (dayOfYear - 120)) / 365.2425);
  return OUTDOOR_CO2_BASE_PPM + daily + seasonal;
}

/** Inputs of the mass balance, constant over one step. */
export type ZoneInputs = {
  /** Total CO₂ generation of everyone in the room, L/s. */
  generationLps: number;
  /** Room volume, m³. */
  volumeM3: number;
  /** Outdoor-air changes per hour (infiltration + mechanical + windows). */
  ach: number;
  /** Outdoor CO₂, ppm. */
  outdoorPpm: number;
};

/** The source term S in ppm/s: L/s → m³/s (÷ 1000), then a volume fraction → ppm (× 10⁶ ÷ V). */
export function sourcePpmPerSecond(generationLpsTotal: number, volumeM3: number): number {
  return ((generationLpsTotal / 1000) * 1e6) / volumeM3;
}

/** λ in 1/s from air changes per hour. */
export function achToPerSecond(ach: number): number {
  return ach / 3600;
}

/** The concentration the room tends to with these inputs (Infinity with people and no ventilation). */
export function steadyStatePpm(z: ZoneInputs): number {
  const s = sourcePpmPerSecond(z.generationLps, z.volumeM3);
  const lambda = achToPerSecond(z.ach);
  if (lambda <= 0) return s > 0 ? Infinity : z.outdoorPpm;
  return z.outdoorPpm + s / lambda;
}

/** CO₂ after `dtSeconds` from `c`, by the exact solution (any step size). */
export function stepCo2(c: number, dtSeconds: number, z: ZoneInputs): number {
  if (dtSeconds <= 0) return c;
  const s = sourcePpmPerSecond(z.generationLps, z.volumeM3);
  const lambda = achToPerSecond(z.ach);
  // No air exchange at all: the balance degenerates to a straight line.
  if (lambda <= 0) return c + s * dtSeconds;
  const css = z.outdoorPpm + s / lambda;
  return css + (c - css) * Math.exp(-lambda * dtSeconds);
}

/**
 * Seconds until the room goes from `c` to `target` with constant inputs; Infinity when it never
 * gets there (the target lies beyond the steady state, or on the wrong side).
 */
export function secondsToReach(c: number, target: number, z: ZoneInputs): number {
  if (c === target) return 0;
  const s = sourcePpmPerSecond(z.generationLps, z.volumeM3);
  const lambda = achToPerSecond(z.ach);
  if (lambda <= 0) {
    const t = (target - c) / s;
    return Number.isFinite(t) && t > 0 ? t : Infinity;
  }
  const css = z.outdoorPpm + s / lambda;
  const ratio = (target - css) / (c - css);
  return ratio > 0 && ratio < 1 ? -Math.log(ratio) / lambda : Infinity;
}
