/** A validated reading as the stores see it: mapped to its room, time decided, values checked. */
export type Reading = {
  facility: string;
  room: string;
  sensor: string;
  /** Epoch milliseconds. */
  time: number;
  /** ppm, integer. */
  co2: number;
  temperature?: number;
  humidity?: number;
  /** Data-quality flag: `ok`, or the name of the suspected fault (e.g. `suspect-high`). */
  quality: string;
};

/** One point of a room's history as the public API returns it. */
export type HistoryPoint = {
  time: number;
  co2: number | null;
  temperature: number | null;
  humidity: number | null;
};

/** The newest reading of one room. */
export type RoomLatest = {
  facility: string;
  room: string;
  time: number;
  co2: number;
  temperature: number | null;
  humidity: number | null;
};
