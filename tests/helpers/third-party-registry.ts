/**
 * A hall with one monitor of each third-party firmware — a Tasmota in the lobby, an ESPHome in the
 * gym and an AirGradient in the library — for the flow tests of the decoders and the simulator.
 */
import { parseRegistry, type Registry } from '../../common/registry.ts';

const room = (id: string, sensors: unknown[]) => ({ id, name: { ja: id, en: id }, sensors });

/** `esphomePrefix`: the gym's ESPHome topic prefix (one or two levels). */
export function thirdPartyHallRegistry(esphomePrefix: string): Registry {
  return parseRegistry({
    facilities: [{
      id: 'nishi-hall', name: { ja: '西公会堂', en: 'Nishi Public Hall' }, kind: 'hall',
      rooms: [
        room('lobby', [{ tasmota: 'co2-lobby' }]),
        room('gym', [{ esphome: esphomePrefix }]),
        room('library', [{ airgradient: 'ECDA3B1EAAAF' }]),
      ],
    }],
  });
}
