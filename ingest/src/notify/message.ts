/**
 * Lays a notice out as a message: a subject, a plain text and a simple HTML mail body, in
 * Japanese, English, or Japanese followed by English. The words come from `message-words.ts`;
 * channels that need another layout (Slack blocks, a Teams card) use `composeNotice` and
 * `noticeLinks` directly so every channel says the same thing.
 */
import type { Level } from '../../../common/levels.ts';
import { composeAlert, composeDigest, type ComposedMessage, type Lang, type RenderOptions } from './message-words.ts';
import type { Notice, Recipient } from './notifier.ts';

export { actionText, formatTime, levelLabel, trendText } from './message-words.ts';
export type { ComposedMessage, Lang, RenderOptions } from './message-words.ts';

/** A message ready for a text or mail channel. */
export type RenderedMessage = { subject: string; text: string; html: string };

/** A link a message offers, labelled in the recipient's language(s). */
export type MessageLink = { label: string; url: string; kind: 'ack' | 'room' };

/** Subject and text in both languages, for machine receivers (webhook, MQTT) to pick from. */
export type MessageBundle = Record<Lang, { subject: string; text: string }>;

/** Colours per level (also Teams' `themeColor`): the dashboard's traffic-light scale, grey for no data. */
const LEVEL_COLORS: Record<Level, string> = {
  good: '#2e7d32',
  fair: '#f9a825',
  ventilate: '#ef6c00',
  critical: '#c62828',
  nodata: '#757575',
};
const DIGEST_COLOR = '#1565c0';

const LINK_LABELS: Record<MessageLink['kind'], Record<Lang, string>> = {
  ack: { ja: '対応を記録する', en: 'Record what you did' },
  room: { ja: 'この部屋の今の様子', en: 'This room now' },
};

/** `#rrggbb` for a level, or the neutral digest colour for null. */
export function levelColor(level: Level | null): string {
  return level === null ? DIGEST_COLOR : LEVEL_COLORS[level];
}

/** Escapes text for HTML element content and double- or single-quoted attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

/** Puts a notice into words in one language. */
export function composeNotice(notice: Notice, lang: Lang, options: RenderOptions = {}): ComposedMessage {
  return notice.kind === 'alert' ? composeAlert(notice, lang, options) : composeDigest(notice, lang);
}

/** The message's language blocks in reading order: one, or Japanese then English for `ja+en`. */
export function composeForRecipient(notice: Notice, lang: Recipient['lang'], options: RenderOptions = {}): ComposedMessage[] {
  if (lang === 'ja+en') return [composeNotice(notice, 'ja', options), composeNotice(notice, 'en', options)];
  return [composeNotice(notice, lang, options)];
}

/**
 * The notice's links (record-what-you-did first: it is what we ask of the reader), labelled once
 * even in `ja+en` ("対応を記録する / Record what you did"), so a bilingual message does not repeat URLs.
 * Only http(s) URLs are offered: anything else in a mail or chat link is a bug or an attack.
 */
export function noticeLinks(notice: Notice, lang: Recipient['lang']): MessageLink[] {
  if (notice.kind !== 'alert') return [];
  const links: MessageLink[] = [];
  for (const kind of ['ack', 'room'] as const) {
    const url = notice.links[kind];
    if (!url || !/^https?:\/\//i.test(url)) continue;
    const label = lang === 'ja+en' ? `${LINK_LABELS[kind].ja} / ${LINK_LABELS[kind].en}` : LINK_LABELS[kind][lang];
    links.push({ kind, label, url });
  }
  return links;
}

/** One language block as plain text: heading, sentences, list. */
function blockText(m: ComposedMessage): string {
  const bullet = m.lang === 'ja' ? '・' : '- ';
  return [m.title, '', ...m.lines, ...m.items.map((i) => `${bullet}${i}`)].join('\n');
}

/** The whole message as plain text (mail text part, LINE, webhook/MQTT `text`). */
export function messageText(blocks: readonly ComposedMessage[], links: readonly MessageLink[]): string {
  const parts = blocks.map(blockText);
  if (links.length > 0) parts.push(links.map((l) => `${l.label}: ${l.url}`).join('\n'));
  return parts.join('\n\n');
}

/** Combined subject: the Japanese one, then the English heading for `ja+en`. */
export function messageSubject(blocks: readonly ComposedMessage[]): string {
  const [first, ...rest] = blocks;
  return [first?.subject ?? '', ...rest.map((b) => b.title)].join(' / ');
}

const FONT = "'Hiragino Sans','Hiragino Kaku Gothic ProN',Meiryo,'Segoe UI',Arial,sans-serif";

function blockHtml(m: ComposedMessage): string {
  const p = m.lines.map((l) => `<p style="margin:0 0 10px;">${escapeHtml(l)}</p>`).join('');
  const list = m.items.length === 0 ? '' : `<ul style="margin:0 0 10px;padding-left:20px;">${m.items.map((i) => `<li style="margin:0 0 6px;">${escapeHtml(i)}</li>`).join('')}</ul>`;
  return `<div lang="${m.lang}"><h1 style="font-size:20px;line-height:1.4;margin:0 0 12px;">${escapeHtml(m.title)}</h1>${p}${list}</div>`;
}

function linkHtml(l: MessageLink): string {
  // The ack link is the one thing we ask for: a large button that is easy to hit on a phone.
  const style = l.kind === 'ack'
    ? 'display:inline-block;padding:12px 20px;background:#1565c0;color:#ffffff;text-decoration:none;border-radius:6px;font-weight:bold;'
    : 'color:#1565c0;';
  return `<p style="margin:16px 0 0;"><a href="${escapeHtml(l.url)}" style="${style}">${escapeHtml(l.label)}</a></p>`;
}

/**
 * The whole message as an HTML mail body: inline styles only (mail clients drop `<style>`), one
 * coloured bar for the level, every text escaped.
 */
export function messageHtml(blocks: readonly ComposedMessage[], links: readonly MessageLink[]): string {
  const color = levelColor(blocks[0]?.level ?? null);
  const body = blocks.map(blockHtml).join('<hr style="border:none;border-top:1px solid #dddddd;margin:20px 0;">');
  return '<!DOCTYPE html><html><head><meta charset="utf-8"></head>'
    + `<body style="margin:0;padding:16px;background:#f4f4f4;">`
    + `<div style="max-width:600px;margin:0 auto;background:#ffffff;border-top:6px solid ${color};padding:20px;font-family:${FONT};font-size:16px;line-height:1.6;color:#222222;">`
    + `${body}${links.map(linkHtml).join('')}</div></body></html>`;
}

/** Renders a notice for one recipient language: subject, plain text and HTML mail body. */
export function renderNotice(notice: Notice, lang: Recipient['lang'], options: RenderOptions = {}): RenderedMessage {
  const blocks = composeForRecipient(notice, lang, options);
  const links = noticeLinks(notice, lang);
  return { subject: messageSubject(blocks), text: messageText(blocks, links), html: messageHtml(blocks, links) };
}

/** Subject and text in Japanese and in English, for receivers that choose the language themselves. */
export function renderBundle(notice: Notice, options: RenderOptions = {}): MessageBundle {
  const one = (lang: Lang) => {
    const { subject, text } = renderNotice(notice, lang, options);
    return { subject, text };
  };
  return { ja: one('ja'), en: one('en') };
}
