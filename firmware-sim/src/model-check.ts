/**
 * `npm run sim:check`: prints the room model against MEXT's classroom check values (DESIGN.md,
 * "Simulator physics"), so anyone can see how close the simulator's physics is to the reference
 * before trusting its curves. The same figures are asserted by tests/unit/sim-physics.test.ts.
 *
 * The MEXT classroom: 60 m² × 3 m = 180 m³, 40 pupils and a teacher, 420 ppm outdoors. MEXT's figures
 * are reproduced with 0.0045 L/s per person (the 11–16 seated value) for all 41.
 */
import { CO2_GENERATION_LPS, secondsToReach, stepCo2, type ZoneInputs } from './physics.ts';

/** MEXT's CO₂ after a 45-minute lesson from outdoor air, by air changes per hour. */
export const MEXT_AFTER_45_MIN: readonly (readonly [ach: number, ppm: number])[] = [[0.1, 3077], [1, 2361], [2, 1849], [3.2, 1465]];

const classroom = (ach: number): ZoneInputs => ({ generationLps: 41 * CO2_GENERATION_LPS.child11to16, volumeM3: 180, ach, outdoorPpm: 420 });

/** One row of the comparison: the model's value after 45 minutes and the minutes to 1000 ppm. */
export function mextComparison(): { ach: number; mext: number; model: number; deviation: number; minutesTo1000: number }[] {
  return MEXT_AFTER_45_MIN.map(([ach, mext]) => {
    const model = stepCo2(420, 45 * 60, classroom(ach));
    return { ach, mext, model, deviation: (model - mext) / mext, minutesTo1000: secondsToReach(420, 1000, classroom(ach)) / 60 };
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = mextComparison();
  const lines = [
    'MEXT classroom (180 m³, 41 people at 0.0045 L/s, 420 ppm outdoors), 45-minute lesson from outdoor air:',
    '',
    '   ACH | MEXT ppm | model ppm | deviation | minutes to 1000 ppm',
    '  -----+----------+-----------+-----------+--------------------',
    ...rows.map((r) => `  ${r.ach.toFixed(1).padStart(4)} | ${String(r.mext).padStart(8)} | ${r.model.toFixed(0).padStart(9)} | ${`${(r.deviation * 100).toFixed(1)} %`.padStart(9)} | ${r.minutesTo1000.toFixed(1).padStart(19)}`),
    '',
    `largest deviation: ${(Math.max(...rows.map((r) => Math.abs(r.deviation))) * 100).toFixed(1)} % (DESIGN.md: about 10 min to 1000 ppm at 0.1–1 ACH)`,
    '',
  ];
  process.stdout.write(lines.join('\n'));
}
