/**
 * The files the ingest reads besides the registry — staff users and the notification config — and
 * the link secret, resolved from the configuration once at start (by `main.ts` and `start.ts`).
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Registry } from '../../common/registry.ts';
import type { IngestConfig } from './config.ts';
import { loadNotifyFile, type NotifyConfig } from './notify/notify-config.ts';
import { loadStaffFile, type StaffDirectory } from '../../common/staff-users.ts';

export type IngestFiles = { staff: StaffDirectory | null; notify: NotifyConfig | null };

/** Loads and validates the staff and notification files named by the config. Throws `ConfigError`. */
export function loadIngestFiles(config: IngestConfig, env: Record<string, string | undefined>, registry: Registry): IngestFiles {
  const known = new Set(registry.facilities.map((f) => f.id));
  const production = config.NODE_ENV === 'production';
  return {
    staff: config.KANKI_STAFF === 'none' ? null : loadStaffFile(config.KANKI_STAFF, { production, knownFacilities: known }),
    notify: config.KANKI_NOTIFY ? loadNotifyFile(config.KANKI_NOTIFY, env, known) : null,
  };
}

/**
 * The HMAC key of acknowledgement links: `KANKI_LINK_SECRET`, or (outside production) a random one
 * made once and kept in `DATA_DIR/ingest/link-secret`, so links sent before a restart still work.
 */
export function resolveLinkSecret(config: IngestConfig): string {
  if (config.KANKI_LINK_SECRET) return config.KANKI_LINK_SECRET;
  const dir = join(config.DATA_DIR, 'ingest');
  const file = join(dir, 'link-secret');
  try {
    const kept = readFileSync(file, 'utf8').trim();
    if (kept.length >= 32) return kept;
  } catch {
    // Not made yet.
  }
  mkdirSync(dir, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return secret;
}
