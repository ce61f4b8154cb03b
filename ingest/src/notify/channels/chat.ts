/**
 * Chat incoming webhooks: Slack (Block Kit: header + section + context) and Microsoft Teams
 * (MessageCard with an "Open" button for the ack link). Both post to one configured URL whose path
 * is the secret, so errors name the host only. The message language is the recipient's.
 */
import { z } from 'zod';
import type { Level } from '../../../../common/levels.ts';
import { composeForRecipient, escapeHtml, levelColor, messageSubject, noticeLinks, type ComposedMessage, type MessageLink } from '../message.ts';
import { DeliveryError, type Notice, type Notifier, type Recipient } from '../notifier.ts';
import { logDelivered, type ChannelDeps } from './channel-deps.ts';
import { NOTIFY_ERROR_CODES as CODES } from './delivery-errors.ts';
import { httpPost, safeHost } from './http-post.ts';

/** Config of a Slack channel (an incoming webhook URL; its path is the secret). */
export const SlackChannelSchema = z.strictObject({
  type: z.literal('slack'),
  url: z.url({ protocol: /^https?$/ }).describe('Slack incoming webhook URL (https://hooks.slack.com/services/…); secret.'),
});
/** A parsed Slack channel config. */
export type SlackChannelConfig = z.infer<typeof SlackChannelSchema>;

/** Config of a Microsoft Teams channel (an incoming webhook / Workflows URL; secret). */
export const TeamsChannelSchema = z.strictObject({
  type: z.literal('teams'),
  url: z.url({ protocol: /^https?$/ }).describe('Teams incoming webhook URL; secret.'),
});
/** A parsed Teams channel config. */
export type TeamsChannelConfig = z.infer<typeof TeamsChannelSchema>;

// Block Kit limits: a header's text ≤ 150 characters, a section's ≤ 3000, ≤ 50 blocks a message.
const SLACK_HEADER_MAX = 150;
const SLACK_SECTION_MAX = 3000;
const SLACK_BLOCKS_MAX = 50;

/** A coloured dot in the heading, since Block Kit has no colour bar of its own. */
const LEVEL_DOTS: Record<Level, string> = { good: '🟢', fair: '🟡', ventilate: '🟠', critical: '🔴', nodata: '⚪' };

function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

/** Escapes Slack mrkdwn control characters (Slack's own rule: only &, < and >). */
function slackEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** `<url|label>`; characters that would end the link early are encoded or dropped. */
function slackLink(l: MessageLink): string {
  const url = l.url.replace(/[|<>]/g, (c) => encodeURIComponent(c));
  return `<${url}|${slackEscape(l.label.replace(/\|/g, '/'))}>`;
}

/** Splits lines into section texts within Slack's length limit. */
function slackSections(lines: readonly string[]): string[] {
  const out: string[] = [];
  let current = '';
  for (const raw of lines) {
    const line = truncate(raw, SLACK_SECTION_MAX);
    if (current && current.length + 1 + line.length > SLACK_SECTION_MAX) {
      out.push(current);
      current = '';
    }
    current = current ? `${current}\n${line}` : line;
  }
  if (current) out.push(current);
  return out;
}

function blockLines(m: ComposedMessage): string[] {
  return [...m.lines, ...m.items.map((i) => `• ${i}`)].map(slackEscape);
}

/** The Slack message: `text` (the notification preview) and Block Kit blocks. */
export function buildSlackMessage(blocks: readonly ComposedMessage[], links: readonly MessageLink[]): { text: string; blocks: unknown[] } {
  const [first, ...rest] = blocks;
  const out: unknown[] = [];
  if (first) {
    const dot = first.level ? `${LEVEL_DOTS[first.level]} ` : '';
    out.push({ type: 'header', text: { type: 'plain_text', text: truncate(`${dot}${first.title}`, SLACK_HEADER_MAX), emoji: true } });
    for (const text of slackSections(blockLines(first))) out.push({ type: 'section', text: { type: 'mrkdwn', text } });
  }
  for (const b of rest) {
    out.push({ type: 'divider' });
    for (const text of slackSections([`*${slackEscape(b.title)}*`, ...blockLines(b)])) out.push({ type: 'section', text: { type: 'mrkdwn', text } });
  }
  const kept = out.slice(0, SLACK_BLOCKS_MAX - 1);
  if (links.length > 0) kept.push({ type: 'context', elements: links.map((l) => ({ type: 'mrkdwn', text: slackLink(l) })) });
  return { text: slackEscape(messageSubject(blocks)), blocks: kept };
}

/** Teams renders a subset of HTML inside card text: escape it; paragraphs need a blank line. */
function teamsText(m: ComposedMessage): string {
  return [...m.lines, ...m.items.map((i) => `- ${i}`)].map((l) => escapeHtml(l)).join('\n\n');
}

/** The Teams MessageCard: title, text, a section for the second language, OpenUri buttons. */
export function buildTeamsCard(blocks: readonly ComposedMessage[], links: readonly MessageLink[]): Record<string, unknown> {
  const [first, ...rest] = blocks;
  return {
    '@type': 'MessageCard',
    '@context': 'https://schema.org/extensions',
    summary: messageSubject(blocks),
    themeColor: levelColor(first?.level ?? null).slice(1).toUpperCase(),
    title: escapeHtml(first?.title ?? ''),
    text: first ? teamsText(first) : '',
    ...(rest.length > 0 && { sections: rest.map((b) => ({ activityTitle: escapeHtml(b.title), text: teamsText(b) })) }),
    ...(links.length > 0 && {
      potentialAction: links.map((l) => ({ '@type': 'OpenUri', name: l.label, targets: [{ os: 'default', uri: l.url }] })),
    }),
  };
}

function renderOptions(deps: ChannelDeps) {
  return deps.timeZone ? { timeZone: deps.timeZone } : {};
}

/** A notifier posting Block Kit messages to a Slack incoming webhook. */
export function createSlackNotifier(name: string, config: SlackChannelConfig, deps: ChannelDeps = {}): Notifier {
  const channel = { name, type: 'slack' } as const;
  return {
    ...channel,
    async send(notice: Notice, to: Recipient, signal: AbortSignal): Promise<void> {
      const message = buildSlackMessage(composeForRecipient(notice, to.lang, renderOptions(deps)), noticeLinks(notice, to.lang));
      await httpPost({ channel: 'slack', url: config.url, headers: { 'content-type': 'application/json', 'user-agent': 'kanki' }, body: JSON.stringify(message), signal, secrets: [] });
      logDelivered(deps, channel, notice, to);
    },
  };
}

/**
 * A notifier posting MessageCards to a Teams webhook. Classic Office 365 connectors answer
 * `200` with an error text when Teams itself refused (e.g. "…returned HTTP error 429"), so a
 * 2xx body is checked for that too.
 */
export function createTeamsNotifier(name: string, config: TeamsChannelConfig, deps: ChannelDeps = {}): Notifier {
  const channel = { name, type: 'teams' } as const;
  return {
    ...channel,
    async send(notice: Notice, to: Recipient, signal: AbortSignal): Promise<void> {
      const card = buildTeamsCard(composeForRecipient(notice, to.lang, renderOptions(deps)), noticeLinks(notice, to.lang));
      const res = await httpPost({ channel: 'teams', url: config.url, headers: { 'content-type': 'application/json', 'user-agent': 'kanki' }, body: JSON.stringify(card), signal, secrets: [] });
      const refused = /returned HTTP error (\d{3})/i.exec(res.body);
      if (refused) {
        const status = Number(refused[1]);
        const retryable = status === 429 || status >= 500;
        const code = status === 429 ? CODES.http429 : retryable ? CODES.http5xx : CODES.http4xx;
        throw new DeliveryError(code, `teams POST to ${safeHost(config.url)}: Teams refused the card (HTTP ${status})`, { retryable });
      }
      logDelivered(deps, channel, notice, to);
    },
  };
}
