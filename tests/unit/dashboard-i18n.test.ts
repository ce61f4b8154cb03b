// The public pages' languages: every catalogue complete, negotiation in the documented order.
import type { Request } from 'express';
import { describe, expect, it } from 'vitest';
import { loadI18n } from '../../dashboard/src/i18n/i18n.ts';

const i18n = loadI18n({ timeZone: 'Asia/Tokyo' });
const req = (query: Record<string, string>, headers: Record<string, string> = {}) =>
  ({ query, get: (h: string) => headers[h.toLowerCase()] }) as unknown as Request;

describe('message catalogues', () => {
  it('ship Japanese first, English and やさしい日本語, each with every key of the Japanese catalogue', () => {
    expect(i18n.languages.slice(0, 1)).toEqual(['ja']);
    expect(i18n.languages).toEqual(expect.arrayContaining(['en', 'ja-easy']));
    for (const lang of i18n.languages) expect(i18n.missingKeys(lang), lang).toEqual([]);
  });

  it('fills placeholders, names places in the language (easy Japanese falls back to Japanese) and formats in the locale', () => {
    const en = i18n.translator('en');
    expect(en.t('room.noDataSince', { time: '10:05' })).toBe('No data since 10:05');
    const easy = i18n.translator('ja-easy');
    expect(easy.htmlLang).toBe('ja');
    expect(easy.name({ ja: '西区役所', en: 'Nishi Ward Office', 'ja-easy': 'にしくやくしょ' })).toBe('にしくやくしょ');
    expect(easy.name({ ja: '会議室', en: 'Meeting room' })).toBe('会議室');
    expect(en.number(1234)).toBe('1,234');
    expect(i18n.translator('ja').dateTime(Date.parse('2026-11-24T01:05:00Z'))).toBe('11月24日 10:05');
  });
});

describe('language of a request', () => {
  it('?lang= first, then the cookie, then Accept-Language, then Japanese; unknown codes are ignored', () => {
    expect(i18n.negotiate(req({ lang: 'en' }, { cookie: 'kanki_lang=ja-easy', 'accept-language': 'ja' }))).toBe('en');
    expect(i18n.negotiate(req({}, { cookie: 'x=1; kanki_lang=ja-easy', 'accept-language': 'en' }))).toBe('ja-easy');
    expect(i18n.negotiate(req({}, { 'accept-language': 'fr-FR,en-US;q=0.8' }))).toBe('en');
    expect(i18n.negotiate(req({ lang: 'xx' }, {}))).toBe('ja');
  });
});
