/**
 * From the dashboard's configuration to the staff console's collaborators, once at start (by
 * `main.ts` and the all-in-one `start.ts`): the staff file (or the directory the ingest already
 * loaded in the same process), the staff API client with the service token, and the session
 * settings. Refuses to start when the token is not a service user's in that file — a console that
 * could not act for anyone would only fail later, on every page.
 */
import type { Logger } from 'pino';
import { ConfigError } from '../../../common/errors.ts';
import type { Registry } from '../../../common/registry.ts';
import { loadStaffFile, type StaffDirectory } from '../../../common/staff-users.ts';
import type { DashboardConfig } from '../config.ts';
import type { StaffConsoleDeps } from './console.ts';
import { createIngestClient } from './ingest-client.ts';

type ConsoleConfig = Pick<DashboardConfig, 'staffFile' | 'ingestUrl' | 'ingestToken' | 'staffSessionIdleMs' | 'staffSessionMaxAgeMs' | 'staffCookieSecure' | 'nodeEnv'>;

/**
 * The console's deps, or undefined when it is off (`KANKI_STAFF=none`, or development without a
 * service token for a staff file other than the example). Throws `ConfigError`.
 */
export function resolveStaffConsole(
  config: ConsoleConfig,
  deps: { registry: Registry; logger: Logger; staff?: StaffDirectory | null },
): StaffConsoleDeps | undefined {
  const log = deps.logger.child({ component: 'staff-console' });
  if (config.staffFile === 'none' || deps.staff === null) {
    log.info('staff console off (KANKI_STAFF=none)');
    return undefined;
  }
  if (!config.ingestToken) {
    log.warn({ staffFile: config.staffFile }, 'staff console off: set KANKI_INGEST_TOKEN to the token of a service user in the staff file');
    return undefined;
  }
  const staff = deps.staff ?? loadStaffFile(config.staffFile, {
    production: config.nodeEnv === 'production',
    knownFacilities: new Set(deps.registry.facilities.map((f) => f.id)),
  });
  if (staff.userForToken(config.ingestToken)?.service !== true) {
    throw new ConfigError(`invalid dashboard configuration: KANKI_INGEST_TOKEN is not the token of a service user (service: true) in the staff file ${config.staffFile}`);
  }
  return {
    staff,
    ingest: createIngestClient({ baseUrl: config.ingestUrl, token: config.ingestToken }),
    sessions: { idleMs: config.staffSessionIdleMs, maxAgeMs: config.staffSessionMaxAgeMs },
    secureCookie: config.staffCookieSecure,
  };
}
