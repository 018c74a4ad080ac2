import request from 'supertest';
import { inviteTeammate } from '../helpers/team';
import { png } from '../factories/images';
import { sendWave } from '../helpers/audience';
import {
  createSurvey,
  createTestApp,
  csrfFrom,
  PUBLIC_URL,
  signedInAgent,
  submitForm,
  type TestApp,
} from '../helpers/testApp';

let t: TestApp;
let owner: Awaited<ReturnType<typeof signedInAgent>>;
beforeAll(async () => {
  t = await createTestApp();
  owner = await signedInAgent(t.app);
});
afterAll(() => t?.close());

const token = async () => csrfFrom((await owner.get('/settings').expect(200)).text);
const upload = async (bytes: Buffer, filename: string, contentType: string, status: number) => {
  // The token first: the agent attaches its cookies when the request is made.
  const csrf = await token();
  return owner
    .post('/settings/logo')
    .field('_csrf', csrf)
    .attach('logo', bytes, { filename, contentType })
    .expect((res) => {
      if (res.status !== status) throw new Error(`${res.status}: ${res.text.slice(-600)}`);
    });
};
const workspaceRow = () =>
  t.db.one<{ brand_color: string | null; logo_sha256: string | null }>(
    `SELECT brand_color, logo_sha256 FROM workspaces`,
  );

describe('Settings → Brand: a logo upload', () => {
  it('sniffs the type from the bytes, stores it, and serves it by its hash with that type, cacheable by anyone', async () => {
    const bytes = png(120, 40);
    // Named and labelled as a JPEG: the bytes say PNG, and PNG is what it is served as.
    await upload(bytes, 'logo.jpg', 'image/jpeg', 303);
    const { logo_sha256: sha } = (await workspaceRow())!;
    expect(sha).toMatch(/^[0-9a-f]{64}$/);
    const res = await request(t.app).get(`/brand/logo/${sha}`).expect(200);
    expect(res.headers['content-type']).toBe('image/png');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(res.headers['cross-origin-resource-policy']).toBe('cross-origin');
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(Buffer.compare(res.body as Buffer, bytes)).toBe(0);
    // The team's pages show it in the top bar.
    expect((await owner.get('/surveys').expect(200)).text).toContain(`src="/brand/logo/${sha}"`);
  });

  it.each([
    [
      'an SVG (it can carry script)',
      Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"><script>alert(1)</script></svg>'),
      'logo.svg',
      'image/svg+xml',
      422,
      /SVG logos are not accepted/,
    ],
    [
      'a text file named .png',
      Buffer.from('hello, not an image'),
      'logo.png',
      'image/png',
      422,
      /not an image we can show/,
    ],
    ['an empty file', Buffer.alloc(0), 'logo.png', 'image/png', 422, /Choose an image file/],
    ['a file over 256 KB', png(10, 10, { pad: 300 * 1024 }), 'big.png', 'image/png', 413, /at most 256 KB/],
    ['an image over 4096 px', png(5000, 1), 'wide.png', 'image/png', 422, /at most 4096 × 4096 pixels/],
  ])(
    'refuses %s with a message on the settings page, and keeps the logo it had',
    async (_what, bytes, name, type, status, message) => {
      const before = (await workspaceRow())!.logo_sha256;
      const res = await upload(bytes, name, type, status);
      expect(res.text).toMatch(message);
      expect(res.text).toContain('id="f-logo-err"');
      // The rest of the settings page is drawn with the workspace's values, not emptied.
      expect(res.text).toMatch(/id="f-name"[^>]*value="Acme"/);
      expect((await workspaceRow())!.logo_sha256).toBe(before);
    },
  );

  it('needs the form token (in the body), an owner or admin, and an id shaped like a hash', async () => {
    await owner.post('/settings/logo').attach('logo', png(5, 5), 'a.png').expect(403);
    await request(t.app).get('/brand/logo/not-a-hash').expect(404);
    await request(t.app)
      .get(`/brand/logo/${'0'.repeat(64)}`)
      .expect(404);
    // A member joins as people do: invited, the link in the email followed.
    const member = await inviteTeammate(t, owner, {
      name: 'Mo',
      email: 'mo@acme.test',
      role: 'member',
      password: 'member password 1',
    });
    const page = await member.get('/settings').expect(200);
    const res = await member
      .post('/settings/logo')
      .field('_csrf', csrfFrom(page.text))
      .attach('logo', png(5, 5), 'a.png')
      .expect(403);
    expect(res.text).toContain('Only an owner or admin');
  });

  it('remove takes the logo off every page', async () => {
    const sha = (await workspaceRow())!.logo_sha256!;
    await submitForm(owner, '/settings', '/settings/logo/remove', {});
    expect((await workspaceRow())!.logo_sha256).toBeNull();
    await request(t.app).get(`/brand/logo/${sha}`).expect(404);
    expect((await owner.get('/surveys').expect(200)).text).not.toContain('/brand/logo/');
  });
});

describe('Settings → Brand: a colour', () => {
  it('refuses what is not #rrggbb, and says so on the form', async () => {
    const res = await submitForm(owner, '/settings', '/settings/brand', { brandColor: 'red;}</style>' }, 422);
    expect(res.text).toContain('Choose a colour as #rrggbb');
    expect((await workspaceRow())!.brand_color).toBeNull();
  });

  it('a yellow too light for white text gets dark text, on team pages, the respondent page and the invitation email', async () => {
    await submitForm(owner, '/settings', '/settings/brand', { brandColor: '#FFD400', action: 'save' });
    expect((await workspaceRow())!.brand_color).toBe('#ffd400');
    const settings = (await owner.get('/settings').expect(200)).text;
    expect(settings).toContain('--brand:#ffd400;--on-brand:#18202f;');
    expect(settings).toMatch(/buttons use dark text \(\d+(\.\d)?:1\)/);
    await upload(png(120, 40), 'logo.png', 'image/png', 303);
    const sha = (await workspaceRow())!.logo_sha256!;

    const survey = await createSurvey(owner);
    await submitForm(owner, '/contacts', '/contacts/paste', { lines: 'Ada, ada@example.com' });
    const tokens = await sendWave(t, owner, survey);
    const page = (
      await request(t.app)
        .get(`/r/${tokens.get('ada@example.com')}`)
        .expect(200)
    ).text;
    expect(page).toContain('--brand:#ffd400;--on-brand:#18202f;');
    expect(page).toContain(`src="/brand/logo/${sha}"`);

    await t.worker.drainOnce();
    const mail = t.smtp.messages.find((m) => JSON.stringify(m.to).includes('ada@example.com'))!;
    expect(String(mail.html)).toContain(`src="${PUBLIC_URL}/brand/logo/${sha}"`);
    // The score buttons sit on the brand's tint with the brand's readable ink.
    expect(String(mail.html)).toMatch(/background:#fffbe6[^"]*"><a href="[^"]+score=0"[^>]*color:#[0-9a-f]{6}/);
  });

  it('"Use Rapport\'s blue" resets it', async () => {
    await submitForm(owner, '/settings', '/settings/brand', { action: 'reset' });
    expect((await workspaceRow())!.brand_color).toBeNull();
    expect((await owner.get('/settings').expect(200)).text).not.toContain('--brand:#ffd400');
  });
});
