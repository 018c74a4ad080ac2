import { scrub } from '../../src/platform/logger';
import { redactUrl } from '../../src/platform/requestLog';
import { newToken } from '../../src/platform/tokens';

describe('what a log line may carry', () => {
  const token = newToken();

  it('replaces the token of every respondent path, whatever its shape, and keeps the rest of the URL', () => {
    expect(redactUrl(`/r/${token}?score=9`)).toBe('/r/:token?score=9');
    expect(redactUrl(`/r/${token}/unsubscribe`)).toBe('/r/:token/unsubscribe');
    expect(redactUrl(`/r/p/${token}/thanks`)).toBe('/r/p/:token/thanks');
    expect(redactUrl('/r/not-even-a-token/h')).toBe('/r/:token/h');
    expect(redactUrl(`//r//${token}`)).toBe('//r/:token');
    expect(redactUrl('/surveys/3f1c9a52-7c4e-4a8e-9a43-1b2f0c9d8e71?tab=waves')).toBe(
      '/surveys/3f1c9a52-7c4e-4a8e-9a43-1b2f0c9d8e71?tab=waves',
    );
  });

  it('replaces the value of query parameters that carry a secret', () => {
    expect(redactUrl('/contacts/imports?_csrf=abc%7Cdef&x=1')).toBe('/contacts/imports?_csrf=[redacted]&x=1');
    expect(redactUrl('/x?api_key=k&token=t&next=/a')).toBe('/x?api_key=[redacted]&token=[redacted]&next=/a');
  });

  it('scrubs email addresses (plain or percent-encoded, unicode too) and bare tokens from any finished line', () => {
    const line = JSON.stringify({
      msg: `550 5.1.1 <ada@example.com>: no such user; josé@exämple.fr; q=grace%40example.org; t=${token}`,
      url: 'postgres://rapport:s3cret@db.example.net/rapport',
    });
    const out = scrub(line);
    expect(out).not.toMatch(/example|exämple|s3cret/);
    expect(out).not.toContain(token);
    expect(JSON.parse(out)).toEqual({
      msg: '550 5.1.1 <[email]>: no such user; [email]; q=[email]; t=[token]',
      url: 'postgres://rapport:[email]/rapport',
    });
  });

  it('leaves ids, versions and ordinary text alone', () => {
    const line = '{"delivery":"3f1c9a52-7c4e-4a8e-9a43-1b2f0c9d8e71","msg":"pino@10.4.0 at 127.0.0.1:5432"}';
    expect(scrub(line)).toBe(line);
  });
});
