import { describe, expect, it } from 'vitest';
import { testInflux } from '../helpers/influx.ts';

describe('test InfluxDB server', () => {
  it('answers /ping with its version and runs InfluxQL', async () => {
    const { url } = testInflux();
    const ping = await fetch(`${url}/ping`);
    expect(ping.status).toBe(204);
    expect(ping.headers.get('x-influxdb-version')).toMatch(/^1\./);
    const q = await fetch(`${url}/query?q=${encodeURIComponent('SHOW DATABASES')}`);
    expect(q.status).toBe(200);
  });
});
