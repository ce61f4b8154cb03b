// Third-party devices in the broker's secrets file: `{ secret, firmware }` gives them their firmware's topics.
import { describe, expect, it } from 'vitest';
import { mayPublish } from '../../broker/src/acl.ts';
import { parseSecrets } from '../../broker/src/secrets.ts';

describe('secrets file with third-party devices', () => {
  const secrets = parseSecrets(
    'devices:\n  nwo-1f-counter-01: s3cret-one\n  co2-lobby: { secret: s3cret-two, firmware: tasmota }\n  ecda3b1eaaaf: { secret: s3cret-three, firmware: airgradient }\n',
    'secrets.yaml',
  );

  it('binds each username to its firmware', () => {
    const lobby = secrets.credentials.get('co2-lobby')?.identity;
    expect(lobby).toEqual({ kind: 'device', id: 'co2-lobby', firmware: 'tasmota' });
    expect(secrets.credentials.get('nwo-1f-counter-01')?.identity).toEqual({ kind: 'device', id: 'nwo-1f-counter-01' });
    expect(lobby && mayPublish(lobby, 'tele/co2-lobby/SENSOR')).toBe(true);
    const ag = secrets.credentials.get('ecda3b1eaaaf')?.identity;
    expect(ag && mayPublish(ag, 'airgradient/readings/ecda3b1eaaaf')).toBe(true);
  });

  it('refuses an unknown firmware, naming its path', () => {
    expect(() => parseSecrets('devices:\n  co2-lobby: { secret: x, firmware: shelly }\n', 'secrets.yaml')).toThrow(/devices\.co2-lobby/);
  });
});
