/**
 * A tiny escaping template tag for server-rendered pages. Every interpolated value is escaped unless
 * it is already `SafeHtml` (the output of another `html` template), so a registry name such as
 * `<script>` or `O'Brien & Sons` can never break out of the markup — escaping is the default, not
 * something each view has to remember.
 */

/** Markup that has been built by `html` (or deliberately marked with `unsafeRaw`). */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for use in element content and in quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

/** Values a template accepts: text is escaped; arrays are joined; null/undefined/false render nothing. */
export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

/** Template tag: `html\`<p>${name}</p>\`` escapes `name`. */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    out += render(v) + (strings[i + 1] ?? '');
  });
  return new SafeHtml(out);
}

/** Marks trusted, constant markup as safe. Never pass user or registry text here. */
export function unsafeRaw(markup: string): SafeHtml {
  return new SafeHtml(markup);
}
