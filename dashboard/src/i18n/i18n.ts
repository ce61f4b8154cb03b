/**
 * Languages of the public pages. Every string lives in a message catalogue: one folder per
 * language (`dashboard/src/i18n/catalogs/<code>/`), one JSON file per part of the site
 * (`common.json`, `room.json`, …; flat keys, `{name}` placeholders, a key in two files is an
 * error). Adding a language is adding a folder — they are discovered at start, and each is checked
 * to have every key of the Japanese one (missing keys fall back to Japanese and are reported by
 * the test suite).
 *
 * The language of a request: `?lang=` (which is then remembered in a cookie), else the `kanki_lang`
 * cookie, else the browser's Accept-Language, else Japanese.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { NextFunction, Request, Response } from 'express';
import { z } from 'zod';
import type { LocalizedName } from '../../../common/registry.ts';

const CATALOG_DIR = fileURLToPath(new URL('./catalogs/', import.meta.url));
/** The language every other catalogue is checked against and falls back to. */
export const DEFAULT_LANG = 'ja';
export const LANG_COOKIE = 'kanki_lang';

const CatalogSchema = z.record(z.string().regex(/^[a-zA-Z_][\w.-]*$/), z.string());

export type Catalog = Readonly<Record<string, string>>;

/** One language's translator. */
export type Translator = {
  /** Catalogue code, e.g. `ja-easy` (URLs, cookies). */
  readonly lang: string;
  /** BCP 47 tag for the `lang` attribute (`ja` for やさしい日本語 too). */
  readonly htmlLang: string;
  /** Locale for dates and numbers. */
  readonly locale: string;
  /** IANA zone times are shown in (DISPLAY_TIME_ZONE). */
  readonly timeZone: string;
  /** The string for `key`, placeholders `{name}` filled from `params`. */
  t(key: string, params?: Record<string, string | number>): string;
  /** A registry name in this language (`ja-easy` falls back to `ja`, anything else to `en`, then `ja`). */
  name(name: LocalizedName): string;
  /** Date and time of day, in the display zone. */
  dateTime(ms: number): string;
  /** Time of day only. */
  time(ms: number): string;
  /** A number in the locale (ppm: no decimals). */
  number(n: number, fractionDigits?: number): string;
};

export type I18n = {
  /** Catalogue codes, Japanese first. */
  readonly languages: readonly string[];
  /** Each language's own name ("日本語", "English", "やさしい にほんご"). */
  readonly names: Readonly<Record<string, string>>;
  translator(lang: string): Translator;
  /** Keys a catalogue lacks compared with Japanese (the test suite asserts none). */
  missingKeys(lang: string): string[];
  /** The best language for a request (see the module comment). */
  negotiate(req: Request): string;
  /** Express middleware: `res.locals.i18n` = the request's translator; remembers `?lang=` in a cookie. */
  middleware(): (req: Request, res: Response, next: NextFunction) => void;
};

/** Loads every catalogue in `dir` (default: the shipped ones). Throws on an unreadable or invalid file. */
export function loadI18n(options: { timeZone: string; dir?: string }): I18n {
  const dir = options.dir ?? CATALOG_DIR;
  const catalogs = new Map<string, Catalog>();
  for (const entry of readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
    const code = entry.name;
    const merged: Record<string, string> = {};
    for (const file of readdirSync(`${dir}/${code}`).filter((f) => f.endsWith('.json')).sort()) {
      const parsed = CatalogSchema.safeParse(JSON.parse(readFileSync(`${dir}/${code}/${file}`, 'utf8')));
      if (!parsed.success) throw new Error(`message catalogue ${code}/${file} is invalid: ${parsed.error.issues[0]?.message ?? ''}`);
      for (const [k, v] of Object.entries(parsed.data)) {
        if (k in merged) throw new Error(`message catalogue ${code}/${file}: key "${k}" is also defined in another file`);
        merged[k] = v;
      }
    }
    catalogs.set(code, Object.freeze(merged));
  }
  const base = catalogs.get(DEFAULT_LANG);
  if (!base) throw new Error(`message catalogue folder ${DEFAULT_LANG}/ is missing from ${dir}`);
  const languages = [DEFAULT_LANG, ...[...catalogs.keys()].filter((c) => c !== DEFAULT_LANG)];
  const translators = new Map<string, Translator>();
  for (const [code, catalog] of catalogs) translators.set(code, createTranslator(code, catalog, base, options.timeZone));

  const pick = (code: string | undefined) => (code && translators.has(code) ? code : undefined);
  const fromAcceptLanguage = (header: string | undefined) => {
    for (const part of (header ?? '').split(',')) {
      const tag = part.split(';')[0]?.trim().toLowerCase();
      if (!tag) continue;
      const exact = pick(tag);
      if (exact) return exact;
      const primary = pick(tag.split('-')[0]);
      if (primary) return primary;
    }
    return undefined;
  };
  const negotiate = (req: Request) => {
    const q = typeof req.query.lang === 'string' ? req.query.lang : undefined;
    return pick(q) ?? pick(readCookie(req, LANG_COOKIE)) ?? fromAcceptLanguage(req.get('accept-language')) ?? DEFAULT_LANG;
  };
  return {
    languages,
    names: Object.fromEntries(languages.map((l) => [l, catalogs.get(l)?.['_meta.name'] ?? l])),
    translator: (lang) => translators.get(lang) ?? (translators.get(DEFAULT_LANG) as Translator),
    missingKeys: (lang) => Object.keys(base).filter((k) => !(k in (catalogs.get(lang) ?? {}))),
    negotiate,
    middleware: () => (req, res, next) => {
      const lang = negotiate(req);
      if (typeof req.query.lang === 'string' && lang === req.query.lang) {
        res.cookie(LANG_COOKIE, lang, { maxAge: 365 * 86_400_000, sameSite: 'lax', httpOnly: false, path: '/' });
      }
      res.locals.i18n = translators.get(lang);
      // Pages differ by language: caches must key on what decides it. The JSON API does not
      // (names come in every language), so it stays cacheable by shared caches.
      if (!req.path.startsWith('/api/')) res.vary('Accept-Language').vary('Cookie');
      next();
    },
  };
}

function readCookie(req: Request, name: string): string | undefined {
  for (const part of (req.get('cookie') ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v.join('='));
  }
  return undefined;
}

function createTranslator(code: string, catalog: Catalog, base: Catalog, timeZone: string): Translator {
  const locale = catalog['_meta.locale'] ?? 'ja-JP';
  const nameKey = catalog['_meta.nameKey'] ?? code;
  const dateTime = new Intl.DateTimeFormat(locale, { timeZone, month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  const time = new Intl.DateTimeFormat(locale, { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  const numbers = new Map<number, Intl.NumberFormat>();
  return {
    lang: code,
    htmlLang: catalog['_meta.htmlLang'] ?? code,
    locale,
    timeZone,
    t(key, params) {
      const template = catalog[key] ?? base[key] ?? key;
      return params ? template.replace(/\{(\w+)\}/g, (m, p: string) => (p in params ? String(params[p]) : m)) : template;
    },
    name(name) {
      return name[nameKey] ?? (nameKey.startsWith('ja') ? name.ja : name.en) ?? name.ja;
    },
    dateTime: (ms) => dateTime.format(ms),
    time: (ms) => time.format(ms),
    number(n, fractionDigits = 0) {
      let f = numbers.get(fractionDigits);
      if (!f) numbers.set(fractionDigits, (f = new Intl.NumberFormat(locale, { minimumFractionDigits: fractionDigits, maximumFractionDigits: fractionDigits })));
      return f.format(n);
    },
  };
}
