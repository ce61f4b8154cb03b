/**
 * The room's value from the alert engine's window: the median over sensors of each sensor's median.
 * It runs on every reading over up to `maxWindowReadings` readings, so it selects medians in
 * reusable typed arrays instead of sorting a copy of each sensor's values: at the 256-reading bound
 * that is ~2 µs instead of ~20 (`npm run bench:engine`).
 */

/** The window's readings as the engine keeps them, oldest first. */
type WindowReadings = readonly { readonly sensor: string; readonly co2: number }[];

/**
 * Scratch memory of `roomValue` (the window's values, the same grouped by sensor, each reading's
 * sensor), reused by every call: it holds nothing between calls, so the engine stays pure.
 */
let scratchValues = new Float64Array(256);
let scratchGrouped = new Float64Array(256);
let scratchSensor = new Int32Array(256);

/**
 * The median over sensors of each sensor's median in the window. Each sensor counts once however
 * many of its readings fall in the window: pooling all readings would let the sensor that happened
 * to report last win the count, so with two disagreeing sensors the value would jump with every
 * reading and no sustain could complete. Two sensors give their mean; three ignore one outlier.
 */
export function roomValue(window: WindowReadings): number | null {
  const n = window.length;
  if (n === 0) return null;
  if (scratchValues.length < n) {
    scratchValues = new Float64Array(n);
    scratchGrouped = new Float64Array(n);
    scratchSensor = new Int32Array(n);
  }
  const first = (window[0] as WindowReadings[number]).sensor;
  let mixed = false;
  for (let i = 0; i < n; i++) {
    const r = window[i] as WindowReadings[number];
    scratchValues[i] = r.co2;
    if (r.sensor !== first) mixed = true;
  }
  return mixed ? medianOfSensorMedians(window) : medianIn(scratchValues, 0, n);
}

/** `roomValue` of a window with several sensors, its values already in `scratchValues`. */
function medianOfSensorMedians(window: WindowReadings): number | null {
  // Each reading's sensor as an index into `ids` (first appearance first); a room has a handful of
  // sensors, so a linear search by identity (`onReading` shares one id string per sensor) beats a Map.
  const ids: string[] = [];
  const counts: number[] = [];
  for (let i = 0; i < window.length; i++) {
    const sensor = (window[i] as WindowReadings[number]).sensor;
    let k = 0;
    while (k < ids.length && ids[k] !== sensor) k++;
    if (k === ids.length) {
      ids.push(sensor);
      counts.push(0);
    }
    counts[k] = (counts[k] as number) + 1;
    scratchSensor[i] = k;
  }
  // Each sensor's values in a segment of their own, then each segment's median.
  const ends: number[] = [];
  let offset = 0;
  for (const c of counts) ends.push((offset += c) - c);
  for (let i = 0; i < window.length; i++) {
    const k = scratchSensor[i] as number;
    scratchGrouped[ends[k] as number] = scratchValues[i] as number;
    ends[k] = (ends[k] as number) + 1;
  }
  const medians: number[] = [];
  for (let k = 0; k < counts.length; k++) medians.push(medianIn(scratchGrouped, (ends[k] as number) - (counts[k] as number), ends[k] as number));
  return median(medians);
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = values.sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** The median of `a[lo, hi)` (non-empty), reordering that range: the same value `median` gives, in linear time. */
function medianIn(a: Float64Array, lo: number, hi: number): number {
  const k = lo + ((hi - lo) >> 1);
  selectInPlace(a, lo, hi - 1, k);
  const upper = a[k] as number;
  if ((hi - lo) % 2) return upper;
  // After selection everything left of k is ≤ a[k]; the lower middle is the largest of them.
  let lower = a[lo] as number;
  for (let i = lo + 1; i < k; i++) if ((a[i] as number) > lower) lower = a[i] as number;
  return (lower + upper) / 2;
}

/**
 * Wirth's selection: afterwards `a[k]` holds the value sorting would put there, smaller-or-equal
 * values left of it, larger-or-equal right. Linear on average; its quadratic worst case needs a
 * crafted order of values and is bounded by `maxWindowReadings` (256: no worse than a sort).
 */
function selectInPlace(a: Float64Array, left: number, right: number, k: number): void {
  let l = left;
  let r = right;
  while (l < r) {
    const pivot = a[k] as number;
    let i = l;
    let j = r;
    do {
      while ((a[i] as number) < pivot) i++;
      while (pivot < (a[j] as number)) j--;
      if (i <= j) {
        const t = a[i] as number;
        a[i] = a[j] as number;
        a[j] = t;
        i++;
        j--;
      }
    } while (i <= j);
    if (j < k) l = i;
    if (k < i) r = j;
  }
}
