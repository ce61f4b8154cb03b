/**
 * Seeded pseudo-random numbers for the simulator. Two kinds, because they answer different needs:
 * - a sequential stream (`createRng`) for per-device noise, where each draw should differ;
 * - a keyed, stateless draw (`createKeyedRandom`) for schedule decisions ("are the windows of room X
 *   opened in the second break of 2026-11-24?"), which must give the same answer however often and in
 *   whatever order it is asked. This keeps occupancy a pure function of (room, time, seed).
 * Not cryptographic; only deterministic and well spread.
 */

/** A stream of numbers in [0, 1). */
export type Rng = () => number;

/** The same key always gives the same number in [0, 1) (for a given seed). */
export type KeyedRandom = (key: string) => number;

/** The murmur3 32-bit finaliser: spreads nearby inputs apart (an unsigned 32-bit result). */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** FNV-1a over the UTF-16 code units, then the murmur3 finaliser so that similar keys spread apart. */
export function hashString(text: string, seed = 0): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix32(h);
}

/** mulberry32: tiny, fast and good enough for simulation noise. */
export function createRng(seed: number, key = ''): Rng {
  let state = hashString(key, seed >>> 0);
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A stateless keyed draw: a hash of (seed, key) mapped to [0, 1). */
export function createKeyedRandom(seed: number): KeyedRandom {
  return (key) => createRng(seed, key)();
}

/** A standard normal draw (Box–Muller), for sensor noise. */
export function gaussian(rng: Rng): number {
  const u = 1 - rng(); // (0, 1]: log(0) would be -Infinity
  const v = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}
