/**
 * CO₂ ventilation levels. Thresholds (ppm) and why:
 * - fair at 800: UK HSE — a space consistently under 800 ppm is likely well ventilated.
 * - ventilate at 1000: Building Sanitation Act (建築物環境衛生管理基準, ≤ 1000 ppm) and MHLW guidance;
 *   Yokohama's classroom monitors sound at 1000.
 * - critical at 1500: School Environmental Health Standards (学校環境衛生基準, ≤ 1500 ppm desirable).
 */
import { z } from 'zod';

export const LEVELS = ['good', 'fair', 'ventilate', 'critical', 'nodata'] as const;
export type Level = (typeof LEVELS)[number];
export const LevelSchema = z.enum(LEVELS);

export const ThresholdsSchema = z
  .object({
    fair: z.number().int().positive().describe('ppm at and above which the air is "fair" (やや注意)'),
    ventilate: z.number().int().positive().describe('ppm at and above which the room should be ventilated (換気を)'),
    critical: z.number().int().positive().describe('ppm at and above which the room must be ventilated now (すぐに換気)'),
  })
  .refine((t) => t.fair < t.ventilate && t.ventilate < t.critical, {
    message: 'thresholds must rise: fair < ventilate < critical',
  });
export type Thresholds = z.infer<typeof ThresholdsSchema>;

export const DEFAULT_THRESHOLDS: Thresholds = Object.freeze({ fair: 800, ventilate: 1000, critical: 1500 });

/** The level of one CO₂ value (no sustain or hysteresis: that is the alert engine's job). */
export function levelFor(co2: number | null | undefined, thresholds: Thresholds = DEFAULT_THRESHOLDS): Level {
  if (co2 === null || co2 === undefined || !Number.isFinite(co2)) return 'nodata';
  if (co2 >= thresholds.critical) return 'critical';
  if (co2 >= thresholds.ventilate) return 'ventilate';
  if (co2 >= thresholds.fair) return 'fair';
  return 'good';
}
