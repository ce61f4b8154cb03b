import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';

/** The shared test InfluxDB server and a database name no other test uses. */
export function testInflux(): { url: string; database: string } {
  return { url: inject('influxUrl'), database: `kanki_test_${randomBytes(4).toString('hex')}` };
}
