/**
 * The one interface every notification channel implements (webhook, Slack/Teams, email, LINE,
 * MQTT), and what it is given: a `Notice` (an alert event or a daily digest, with everything a
 * message needs already resolved) and a `Recipient`. Channels only deliver; who gets what, when,
 * how often and how many retries are decided by the dispatcher (`dispatcher.ts`), so a channel is
 * small and is tested against a real server of its kind.
 */
import { KankiError } from '../../../common/errors.ts';
import type { Level } from '../../../common/levels.ts';
import type { LocalizedName } from '../../../common/registry.ts';

/** What staff can say they did about an alert. */
export const ACK_ACTIONS = ['windows_opened', 'occupancy_reduced', 'false_alarm'] as const;
export type AckAction = (typeof ACK_ACTIONS)[number];

/**
 * Alert event types as staff see them. `raised`, `escalated`, `resolved`, `sensor_offline`,
 * `sensor_online` come from the engine's readings; `acknowledged` when staff act; `improving` when
 * the closed loop sees CO₂ fall after "windows opened" / "occupancy reduced".
 */
export const NOTICE_EVENT_TYPES = ['raised', 'escalated', 'resolved', 'sensor_offline', 'sensor_online', 'acknowledged', 'improving'] as const;
export type NoticeEventType = (typeof NOTICE_EVENT_TYPES)[number];

/** Why an alert escalated or a sensor went offline (see the alert engine). */
export type NoticeReason = 'critical' | 'confirmed' | 'duration' | 'reminder' | 'no_improvement' | 'relapse' | 'silent' | 'flagged' | 'lwt' | 'rising';

export type Trend = {
  /** Change of the room's value over the last 10 minutes (ppm per 10 min, rounded); positive = rising. */
  ppmPer10Min: number;
  direction: 'rising' | 'steady' | 'falling';
};

export type NoticePlace = {
  facility: { id: string; name: LocalizedName };
  room: { id: string; name: LocalizedName };
};

/** One alert event for one recipient. */
export type AlertNotice = NoticePlace & {
  kind: 'alert';
  /** Stable id of this delivery (same on every retry): receivers de-duplicate on it. */
  deliveryId: string;
  event: {
    type: NoticeEventType;
    level: Level;
    /** The room's robust value (ppm) when the event happened, or null (no data). */
    co2: number | null;
    /** Epoch ms. */
    at: number;
    alertId: string;
    reason?: NoticeReason;
    /** On `raised` with `reason: 'rising'`: minutes until CO₂ reaches the ventilate threshold at its current slope. */
    projectedMinutes?: number;
    /** On `raised`: which of the room's CO₂ alerts of its local day this is (1 = the first). */
    alertsToday?: number;
    thresholds: { fair: number; ventilate: number; critical: number };
    trend: Trend | null;
    /** On `acknowledged`: who did what. */
    ack?: { action: AckAction; by: string; at: number };
  };
  /** Absolute URLs. `ack`: a signed one-time page where the recipient picks what they did; `room`: the room's public page. */
  links: { ack?: string; room?: string };
  /** Notifications to this recipient held back by its rate limit since the last one it got. */
  suppressed?: number;
};

/** One line of a daily digest: what happened in one room that day. */
export type DigestItem = NoticePlace & {
  alerts: number;
  /** Highest room value seen in the day's alert events (ppm), or null. */
  maxCo2: number | null;
  /** Minutes the room had an alert open during the day. */
  openMinutes: number;
  acknowledged: number;
  sensorOffline: number;
  /** Alert still open at the time of the digest. */
  stillOpen: boolean;
};

/** A recipient's summary of one day (its local date). */
export type DigestNotice = {
  kind: 'digest';
  deliveryId: string;
  /** YYYY-MM-DD, Asia/Tokyo. */
  day: string;
  items: DigestItem[];
};

export type Notice = AlertNotice | DigestNotice;

/** Whom a channel delivers to. */
export type Recipient = {
  id: string;
  /** Display name, e.g. "南浅間保育園 事務室". */
  name: string;
  /** Message language; `ja+en` sends Japanese followed by English. */
  lang: 'ja' | 'en' | 'ja+en';
  /**
   * Where: an email address (email), a LINE user/group/room id (line); channels that post to one
   * configured URL or topic (webhook, slack, teams, mqtt) ignore it.
   */
  address?: string;
};

/** Delivers notices through one configured channel. */
export type Notifier = {
  /** The channel's name in the notification config (e.g. "nursery-mail"). */
  readonly name: string;
  /** Channel type (webhook, slack, teams, email, line, mqtt). */
  readonly type: string;
  /**
   * Delivers one notice. Resolves when the far end accepted it; rejects with `DeliveryError`
   * (`retryable` says whether trying again may help). Must honour `signal` (the dispatcher's timeout).
   */
  send(notice: Notice, to: Recipient, signal: AbortSignal): Promise<void>;
  /** Releases connections (SMTP pool, MQTT client). */
  close?(): Promise<void>;
};

/**
 * A delivery failed. `retryable`: a network error, a timeout, 429 or 5xx (try again later);
 * otherwise the far end refused the message or our credentials (4xx) and retrying cannot help.
 * `retryAfterMs` carries a server's Retry-After.
 */
export class DeliveryError extends KankiError {
  readonly retryAfterMs: number | undefined;
  constructor(code: string, message: string, options: { cause?: unknown; retryable: boolean; retryAfterMs?: number }) {
    super(code, message, options);
    this.retryAfterMs = options.retryAfterMs;
  }
}
