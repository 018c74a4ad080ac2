/**
 * The new text of a reply, without the history it quotes. A small rule set, kept by hand on purpose: the
 * well-kept library for this (email-reply-parser) ships as ES modules only, which our CommonJS build and Jest
 * cannot load. The rules, in order, cut the message at the first of:
 * - an attribution line ("On <date>, <name> wrote:", also folded over two lines, and its French, German,
 *   Spanish, Italian, Dutch and Portuguese forms);
 * - a forwarded or Outlook header block ("-----Original Message-----", a line of underscores, or "From:"
 *   followed within three lines by "Sent:"/"Date:"/"To:"/"Subject:");
 * - the first line of a block of "> " quoted lines that runs to the end (inline answers between quotes are kept);
 * - a signature separator ("-- ") or a phone's "Sent from my …".
 * Then trailing blank lines go. When nothing is left (a message that is all quote), the caller keeps the whole.
 */
const ATTRIBUTION = [
  /^On\b.+\bwrote:\s*$/i,
  /^Le\b.+\ba écrit\s?:\s*$/i,
  /^Am\b.+\bschrieb\b.*:\s*$/i,
  /^El\b.+\bescribió:\s*$/i,
  /^Il\b.+\bha scritto:\s*$/i,
  /^Op\b.+\bschreef\b.*:\s*$/i,
  /^Em\b.+\bescreveu:\s*$/i,
];
const SEPARATOR = [
  /^-{2,}\s*(Original Message|Forwarded message|Ursprüngliche Nachricht|Message d'origine)\s*-{2,}/i,
  /^_{10,}\s*$/,
];
const HEADER_START = /^\*?(From|De|Von|Van|Da):\*?\s/i;
const HEADER_NEXT = /^\*?(Sent|Date|To|Subject|Envoyé|Gesendet|Enviado|Verzonden|Inviato|Objet|Betreff|Asunto):\*?\s/i;
const SIGNATURE = [
  /^--\s?$/,
  /^Sent from my \w+/i,
  /^Get Outlook for /i,
  /^Envoyé de mon /i,
  /^Von meinem .+ gesendet/i,
];

export function stripQuoted(text: string): string {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  let end = lines.length;
  for (let i = 0; i < lines.length && i < end; i++) {
    const line = lines[i]!.trim();
    const joined = `${line} ${lines[i + 1]?.trim() ?? ''}`;
    if (
      ATTRIBUTION.some((re) => re.test(line)) ||
      (/^(On|Le|Am|El|Il|Op|Em)\b/.test(line) && ATTRIBUTION.some((re) => re.test(joined))) ||
      SEPARATOR.some((re) => re.test(line)) ||
      SIGNATURE.some((re) => re.test(lines[i]!)) ||
      (HEADER_START.test(line) && lines.slice(i + 1, i + 4).some((l) => HEADER_NEXT.test(l.trim())))
    ) {
      end = i;
      break;
    }
    // A quoted block that runs to the end of the message (blank lines allowed) is history.
    if (line.startsWith('>') && lines.slice(i).every((l) => l.trim() === '' || l.trim().startsWith('>'))) {
      end = i;
      break;
    }
  }
  return lines.slice(0, end).join('\n').trim();
}
