/**
 * The monthly report as CSV (RFC 4180, CRLF, UTF-8): one row per room under a header row of stable,
 * English snake_case column names, so a ward's spreadsheet or an open-data portal can rely on them.
 * Minutes are exact integers; hours and percentages are derived for convenience.
 *
 * A UTF-8 byte order mark leads the file: Excel, which most ward staff will open it with, reads a
 * CSV without one in the system code page (Shift_JIS in Japan) and garbles every Japanese name.
 */
import { coveragePercent, type WorstDay } from './compliance.ts';
import type { FacilityReport } from './report-data.ts';

/** The licence of the published figures, sent as `Link: <…>; rel="license"`. */
export const REPORT_LICENSE_URL = 'https://creativecommons.org/licenses/by/4.0/';

const WORST_DAYS = 3;

/** The header row, in order. */
export const REPORT_CSV_COLUMNS: readonly string[] = [
  'facility_id', 'facility_name_ja', 'facility_name_en', 'room_id', 'room_name_ja', 'room_name_en',
  'month', 'period_start', 'period_end', 'resolution',
  'open_minutes', 'covered_minutes', 'coverage_percent',
  'ventilate_ppm', 'minutes_at_or_above_ventilate', 'hours_at_or_above_ventilate',
  'critical_ppm', 'minutes_at_or_above_critical', 'hours_at_or_above_critical',
  'max_co2_ppm',
  ...Array.from({ length: WORST_DAYS }, (_, i) => [`worst_day_${i + 1}`, `worst_day_${i + 1}_minutes_at_or_above_ventilate`, `worst_day_${i + 1}_max_co2_ppm`]).flat(),
];

/**
 * One field. Quoted when it holds a separator, quote or line break; text starting with `=`, `+`,
 * `-`, `@` or a tab/CR gets a leading apostrophe so a spreadsheet shows it instead of running it as
 * a formula (registry names are written by people, and CSVs get opened by other people).
 */
export function csvField(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const hours = (minutes: number) => Math.round((minutes / 60) * 100) / 100;

function worstDayFields(days: readonly WorstDay[]): (string | number | null)[] {
  return Array.from({ length: WORST_DAYS }, (_, i) => {
    const d = days[i];
    return d ? [d.date, d.minutesAtOrAboveVentilate, d.maxCo2] : [null, null, null];
  }).flat();
}

/** The complete CSV text, BOM and header row included. */
export function renderReportCsv(report: FacilityReport): string {
  const rows = report.rooms.map((r) => {
    const f = r.figures;
    return [
      report.facility.id, report.facility.name.ja, report.facility.name.en, r.id, r.name.ja, r.name.en,
      report.range.month, new Date(report.range.from).toISOString(), new Date(report.until).toISOString(), report.resolution,
      f.openMinutes, f.coveredMinutes, coveragePercent(f.coverage),
      r.thresholds.ventilate, f.minutesAtOrAboveVentilate, hours(f.minutesAtOrAboveVentilate),
      r.thresholds.critical, f.minutesAtOrAboveCritical, hours(f.minutesAtOrAboveCritical),
      f.maxCo2,
      ...worstDayFields(f.worstDays),
    ];
  });
  return `\uFEFF${[REPORT_CSV_COLUMNS, ...rows].map((row) => row.map(csvField).join(',')).join('\r\n')}\r\n`;
}
