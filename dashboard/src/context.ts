/**
 * What every route module receives: the collaborators injected into `createDashboardApp`, resolved
 * once. Routes never read the environment or globals, so each can be tested with real parts.
 */
import type { Logger } from 'pino';
import type { Registry } from '../../common/registry.ts';
import type { ReadingStore, RetentionConfig } from '../../common/store/reading-store.ts';
import type { I18n } from './i18n/i18n.ts';
import type { RoomFeed } from './live/room-feed.ts';
import type { RoomStatusSource } from './room-status.ts';

/** Shared, read-only state of one dashboard app, handed to every router factory. */
export type DashboardContext = {
  readonly registry: Registry;
  readonly store: ReadingStore;
  readonly logger: Logger;
  /** Epoch ms; injected so that stale detection and default ranges are testable. */
  readonly now: () => number;
  /** A room's newest reading older than this is shown as "no data". */
  readonly staleAfterMs: number;
  /** IANA time zone for times on HTML pages. */
  readonly displayTimeZone: string;
  /** The store's retention, so that `auto` never picks a resolution already deleted for the range. */
  readonly retention: RetentionConfig;
  readonly roomStatuses: RoomStatusSource;
  /** Message catalogues; the request's translator is `res.locals.i18n`. */
  readonly i18n: I18n;
  /** Live room statuses shared by the stream, signage and the overview. */
  readonly feed: RoomFeed;
};

/** `Cache-Control` of public, non-personal responses: short, so a proxy or browser absorbs bursts but values stay fresh. */
export const PUBLIC_CACHE_CONTROL = 'public, max-age=15';
