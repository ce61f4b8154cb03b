/**
 * A minimal browser for the staff console in integration tests: keeps cookies, never follows
 * redirects (tests look at them), posts forms, and reads the CSRF token out of a page.
 */

export type Page = { status: number; location: string | null; headers: Headers; text: string };

export class StaffBrowser {
  readonly cookies = new Map<string, string>();

  constructor(readonly base: string) {}

  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private remember(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair = '', ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some((a) => /^\s*expires=Thu, 01 Jan 1970/i.test(a)) || value === '';
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  async get(path: string, headers: Record<string, string> = {}): Promise<Page> {
    const res = await fetch(`${this.base}${path}`, { redirect: 'manual', headers: { cookie: this.cookieHeader(), ...headers } });
    this.remember(res);
    return { status: res.status, location: res.headers.get('location'), headers: res.headers, text: await res.text() };
  }

  async post(path: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Page> {
    const res = await fetch(`${this.base}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: this.cookieHeader(), 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(form).toString(),
    });
    this.remember(res);
    return { status: res.status, location: res.headers.get('location'), headers: res.headers, text: await res.text() };
  }

  /** Opens the sign-in page and submits it. */
  async signIn(id: string, password: string): Promise<Page> {
    const form = await this.get('/staff/sign-in');
    return this.post('/staff/sign-in', { _csrf: csrfOf(form.text), id, password });
  }
}

/** The first CSRF token of a page's forms. */
export function csrfOf(html: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!m?.[1]) throw new Error('no CSRF field on the page');
  return m[1];
}
