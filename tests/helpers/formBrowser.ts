/**
 * A browser without JavaScript, over real HTTP: cookies kept per origin, redirects followed, forms submitted with
 * their hidden fields. Enough to walk a sign-in across two sites (Rapport and an identity provider), and to stop
 * at a chosen redirect so a test can tamper with it the way an attacker would.
 */
export type Page = { url: string; status: number; text: string };

export function formBrowser() {
  const jars = new Map<string, Map<string, string>>();
  const jarOf = (url: string) => {
    const origin = new URL(url).origin;
    if (!jars.has(origin)) jars.set(origin, new Map());
    return jars.get(origin)!;
  };

  const keep = (url: string, res: Response) => {
    const jar = jarOf(url);
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const expired = attributes.some(
        (a) => /^\s*max-age=0\s*$/i.test(a) || (/^\s*expires=/i.test(a) && Date.parse(a.split('=')[1]!) < Date.now()),
      );
      if (expired || value === '') jar.delete(name);
      else jar.set(name, value);
    }
  };

  const send = async (url: string, init: { method?: string; body?: URLSearchParams } = {}) => {
    const cookie = [...jarOf(url)].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(url, {
      method: init.method ?? 'GET',
      body: init.body,
      redirect: 'manual',
      headers: { ...(cookie ? { cookie } : {}), accept: 'text/html' },
    });
    keep(url, res);
    return res;
  };

  /**
   * Goes to `url` and follows redirects (as GETs) to a page; `stopAt` ends the walk at the first redirect whose
   * target it accepts, answering that target (status 0) without requesting it.
   */
  async function go(
    url: string,
    o: { method?: string; body?: URLSearchParams; stopAt?: (url: string) => boolean } = {},
  ): Promise<Page> {
    let current = url;
    let res = await send(current, o);
    for (let hops = 0; res.status >= 300 && res.status < 400; hops++) {
      if (hops > 20) throw new Error(`Too many redirects from ${url}`);
      current = new URL(res.headers.get('location')!, current).href;
      await res.arrayBuffer();
      if (o.stopAt?.(current)) return { url: current, status: 0, text: '' };
      res = await send(current);
    }
    return { url: current, status: res.status, text: await res.text() };
  }

  /** Submits the page's first POST form (or the one posting to `o.action`): its hidden fields and `fields`. */
  async function submit(
    page: Page,
    fields: Record<string, string>,
    o: { stopAt?: (url: string) => boolean; action?: string } = {},
  ) {
    const form = [...page.text.matchAll(/<form[^>]*method="post"[^>]*>([\s\S]*?)<\/form>/gi)].find(
      (f) => !o.action || f[0].includes(`action="${o.action}"`),
    );
    if (!form) throw new Error(`No form on ${page.url}: ${page.text.slice(0, 300)}`);
    const action = /action="([^"]*)"/.exec(form[0])?.[1] ?? page.url;
    const body = new URLSearchParams();
    for (const input of form[1]!.matchAll(/<input[^>]*type="hidden"[^>]*>/gi)) {
      const name = /name="([^"]*)"/.exec(input[0])?.[1];
      if (name && !(name in fields)) body.set(name, /value="([^"]*)"/.exec(input[0])?.[1] ?? '');
    }
    for (const [k, v] of Object.entries(fields)) body.set(k, v);
    return go(new URL(action.replace(/&amp;/g, '&'), page.url).href, { method: 'POST', body, ...o });
  }

  return { go, submit, cookie: (origin: string, name: string) => jars.get(origin)?.get(name) };
}
export type FormBrowser = ReturnType<typeof formBrowser>;
