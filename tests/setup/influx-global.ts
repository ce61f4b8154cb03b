/**
 * Vitest global setup: one real InfluxDB server for the whole run. Tests read its URL with
 * `inject('influxUrl')` and use a database of their own (see tests/helpers/influx.ts).
 */
import type { TestProject } from 'vitest/node';
import { startInfluxd, type InfluxServer } from './influxd.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    influxUrl: string;
  }
}

let server: InfluxServer | undefined;

export async function setup(project: TestProject): Promise<void> {
  server = await startInfluxd();
  project.provide('influxUrl', server.url);
}

export async function teardown(): Promise<void> {
  await server?.stop();
}
