/**
 * Stable error codes shared by both `ReadingStore` implementations, and the one check both run on a
 * batch before storing it, so that InfluxDB and SQLite reject exactly the same readings.
 */
import { StoreError } from '../errors.ts';
import type { Reading } from '../reading.ts';

/** Codes carried by `StoreError.code`. The comment says whether the error is retryable. */
export const STORE_ERROR_CODES = Object.freeze({
  /** Server unreachable, connection reset, 5xx, 429, SQLite busy / I/O error / disk full. Retryable. */
  unavailable: 'KANKI_STORE_UNAVAILABLE',
  /** The request took longer than the configured timeout. Retryable. */
  timeout: 'KANKI_STORE_TIMEOUT',
  /** Credentials refused (401/403). Retryable: data stays spooled until an operator fixes them. */
  auth: 'KANKI_STORE_AUTH',
  /** The database is missing (404); InfluxDB store re-creates it when it manages the schema. Retryable. */
  notFound: 'KANKI_STORE_NOT_FOUND',
  /** The server refused the data or query (400, field type conflict, bad point). Not retryable. */
  rejected: 'KANKI_STORE_REJECTED',
  /** The store was closed; the batch was not stored. Retryable (on a new store). */
  closed: 'KANKI_STORE_CLOSED',
  /** The SQLite file cannot be opened or created (permissions, not a database). Not retryable. */
  open: 'KANKI_STORE_OPEN',
} as const);

/** One of the `STORE_ERROR_CODES` values. */
export type StoreErrorCode = (typeof STORE_ERROR_CODES)[keyof typeof STORE_ERROR_CODES];

/** The error every method of a closed store throws. */
export function closedStoreError(kind: string): StoreError {
  return new StoreError(STORE_ERROR_CODES.closed, `${kind} store is closed`, { retryable: true });
}

function describeBad(r: Reading): string | null {
  if (typeof r.facility !== 'string' || r.facility === '') return 'facility is empty';
  if (typeof r.room !== 'string' || r.room === '') return 'room is empty';
  if (typeof r.sensor !== 'string' || r.sensor === '') return 'sensor is empty';
  if (!Number.isFinite(r.time)) return `time ${String(r.time)} is not a number`;
  if (!Number.isFinite(r.co2)) return `co2 ${String(r.co2)} is not a number`;
  if (typeof r.quality !== 'string') return 'quality is not a string';
  return null;
}

/**
 * Throws a non-retryable `StoreError` naming the first reading that no store can hold (empty
 * tag, non-finite time or co2). The ingest validates before this; the check is the safety net
 * that keeps one bad reading from turning into a half-written batch on the server.
 * Non-finite temperature/humidity are not errors: both stores store them as absent.
 */
export function assertStorable(readings: readonly Reading[]): void {
  for (let i = 0; i < readings.length; i++) {
    const r = readings[i] as Reading;
    const problem = describeBad(r);
    if (problem) {
      throw new StoreError(STORE_ERROR_CODES.rejected, `reading ${i} of ${readings.length} cannot be stored: ${problem}`, { retryable: false });
    }
  }
}
