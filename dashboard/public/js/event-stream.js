// A Server-Sent Events reader for pages that must stay up unattended (lobby signage). Unlike
// EventSource it sees the server's heartbeat comments, so a connection that stalls without closing
// (a proxy or Wi-Fi access point silently dropping it) is noticed and reopened; it also backs off
// with jitter and honours Retry-After, so a ward's screens do not all return in the same second.

/** The server sends a comment every 25 s; two missed plus a margin means the stream is dead. */
const DEFAULT_HEARTBEAT_TIMEOUT_MS = 60_000;
const WATCHDOG_MS = 5_000;
const RETRY_MIN_MS = 1_000;
const RETRY_MAX_MS = 30_000;
/** A frame larger than this is not from our server; drop the connection rather than the memory. */
const MAX_BUFFER = 1_000_000;

/** One frame (`event:`/`data:` lines, or a `:` comment) → a call of `onEvent` or `onComment`. */
function dispatch(frame, onEvent, onComment) {
  let event = 'message';
  const lines = [];
  for (const line of frame.split(/\r\n|\n|\r/)) {
    if (line.startsWith(':')) {
      onComment(line.slice(1).trim());
      continue;
    }
    const i = line.indexOf(':');
    const field = i < 0 ? line : line.slice(0, i);
    const value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
    if (field === 'event') event = value;
    else if (field === 'data') lines.push(value);
  }
  if (lines.length > 0) onEvent(event, lines.join('\n'));
}

/**
 * Opens `url` and keeps it open. `onEvent(name, data)` gets every event, `onComment(text)` every
 * comment (heartbeats), `onDown()` every loss of the connection (before the retry is scheduled).
 * Call `connected()` once the application has what it needs (e.g. a snapshot): it resets the
 * backoff. `retryNow()` skips the wait (e.g. when the browser says it is back online).
 */
export function openEventStream({ url, onEvent, onComment = () => {}, onDown = () => {}, heartbeatTimeoutMs = DEFAULT_HEARTBEAT_TIMEOUT_MS }) {
  let controller = null;
  let lastActivity = 0;
  let attempts = 0;
  let retryTimer = null;
  let retryHintMs = 0;

  async function connect() {
    clearTimeout(retryTimer);
    retryTimer = null;
    if (controller) controller.abort();
    const ctrl = new window.AbortController();
    controller = ctrl;
    lastActivity = Date.now();
    retryHintMs = 0;
    try {
      const res = await fetch(url, { signal: ctrl.signal, cache: 'no-store', headers: { Accept: 'text/event-stream' } });
      if (!res.ok || !res.body) {
        const after = Number(res.headers.get('Retry-After'));
        if (Number.isFinite(after) && after > 0) retryHintMs = after * 1000;
        throw new Error(`stream answered ${res.status}`);
      }
      const reader = res.body.getReader();
      const decoder = new window.TextDecoder();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        lastActivity = Date.now();
        buffer += decoder.decode(value, { stream: true });
        const frames = buffer.split(/\r\n\r\n|\n\n|\r\r/);
        buffer = frames.pop() || '';
        if (buffer.length > MAX_BUFFER) {
          ctrl.abort();
          break;
        }
        for (const frame of frames) dispatch(frame, onEvent, onComment);
      }
    } catch {
      // Aborted by the watchdog, or the network is gone: handled below like a closed stream.
    }
    if (controller !== ctrl) return;
    controller = null;
    onDown();
    const backoff = Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** attempts);
    attempts++;
    retryTimer = setTimeout(connect, Math.max(retryHintMs, backoff * (0.75 + Math.random() * 0.5)));
  }

  // Date.now, not a server-corrected clock: the watchdog measures silence, not time of day.
  setInterval(() => {
    if (controller && Date.now() - lastActivity > heartbeatTimeoutMs) controller.abort();
  }, WATCHDOG_MS);
  void connect();

  return {
    connected() {
      attempts = 0;
    },
    retryNow() {
      if (!controller) void connect();
    },
  };
}
