/**
 * Export files of room history: CSV (RFC 4180) and JSON, built in memory from store points, with a
 * strong ETag over the exact bytes. Pure functions: the router fetches, these format.
 *
 * Built rather than streamed because a strong ETag must be known before the first byte is sent, and
 * the bounded ranges keep the largest file (a facility, 31 days per minute) to a few megabytes.
 */
import { createHash } from 'node:crypto';
import type { HistoryPoint } from '../../../common/reading.ts';
import type { Resolution } from '../../../common/store/reading-store.ts';
import { toIsoTime, toPublicPoint, type PublicPoint } from '../room-status.ts';
import { DATA_LICENCE, DATA_SOURCE } from './licence.ts';

/** The header row of every CSV export. */
export const CSV_COLUMNS = ['facility', 'room', 'time', 'co2', 'temperature', 'humidity'] as const;

/** One room's points, as fetched for an export. */
export type RoomSeries = { facility: string; room: string; points: readonly HistoryPoint[] };

/** What an export covers. `room` is absent for a whole facility. */
export type ExportMeta = { facility: string; room?: string; resolution: Resolution; from: number; to: number };

/** One field quoted as RFC 4180 requires: only when it holds a comma, a quote or a line break. */
export function csvField(value: string | number | null): string {
  if (value === null) return '';
  const s = String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** CSV with a header row and CRLF line ends; empty fields for missing values; ISO 8601 UTC times. */
export function buildCsv(series: readonly RoomSeries[]): string {
  const lines: string[] = [CSV_COLUMNS.join(',')];
  for (const s of series) {
    const prefix = `${csvField(s.facility)},${csvField(s.room)},`;
    for (const p of s.points) {
      const q = toPublicPoint(p);
      lines.push(`${prefix}${q.time},${csvField(q.co2)},${csvField(q.temperature)},${csvField(q.humidity)}`);
    }
  }
  lines.push('');
  return lines.join('\r\n');
}

/** A reading in a JSON export; `room` only in a facility's export. */
export type ExportReading = PublicPoint & { room?: string };

/** The JSON export document. */
export type ExportDocument = {
  licence: typeof DATA_LICENCE;
  source: string;
  facility: string;
  room?: string;
  resolution: Resolution;
  from: string;
  to: string;
  units: { co2: 'ppm'; temperature: '°C'; humidity: '%RH' };
  readings: ExportReading[];
};

/** The JSON export: licence and source first, so whoever opens the file sees the terms. */
export function buildJson(meta: ExportMeta, series: readonly RoomSeries[]): string {
  const doc: ExportDocument = {
    licence: DATA_LICENCE,
    source: DATA_SOURCE,
    facility: meta.facility,
    ...(meta.room === undefined ? {} : { room: meta.room }),
    resolution: meta.resolution,
    from: toIsoTime(meta.from),
    to: toIsoTime(meta.to),
    units: { co2: 'ppm', temperature: '°C', humidity: '%RH' },
    readings: series.flatMap((s) => s.points.map((p) => (meta.room === undefined ? { room: s.room, ...toPublicPoint(p) } : toPublicPoint(p)))),
  };
  return JSON.stringify(doc);
}

/** A strong ETag: a hash of the exact bytes, so equal bodies (and only those) compare equal. */
export function strongEtag(body: string): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`;
}

/** `20261122T0000Z`: an ISO time without characters some file systems dislike. */
const compactTime = (ms: number): string => toIsoTime(ms).replace(/[-:]/g, '').replace(/\d\d\.\d{3}Z$/, 'Z');

/** The download's file name, e.g. `kanki_tobe-elementary_class-1-1_20261122T0000Z_20261123T0000Z_1m.csv`. */
export function exportFileName(meta: ExportMeta, format: 'csv' | 'json'): string {
  return ['kanki', meta.facility, ...(meta.room === undefined ? [] : [meta.room]), compactTime(meta.from), compactTime(meta.to), meta.resolution].join('_') + `.${format}`;
}
