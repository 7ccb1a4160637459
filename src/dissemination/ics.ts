// Issue 27 §1: the release calendar as an iCalendar feed (RFC 5545), one event per announced
// release. Lines end in CRLF and are folded at 75 octets without splitting a UTF-8 character;
// text is escaped; times are UTC. A moved release keeps its UID and raises its SEQUENCE, so a
// subscribed calendar moves the event instead of adding a second one.

export interface IcsEvent {
  uid: string;
  start: Date;
  minutes: number;
  summary: string;
  description: string;
  sequence: number;
  url?: string;
}

/** RFC 5545 §3.3.11: backslash, semicolon, comma and newline are escaped in TEXT. */
export function icsText(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r?\n/g, '\\n');
}

/** 20261206T083000Z */
export function icsUtc(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/** RFC 5545 §3.1: a content line longer than 75 octets is folded (CRLF and one space), on a character boundary. */
export function foldLine(line: string): string {
  const out: string[] = [];
  let current = '';
  let octets = 0;
  for (const ch of line) {
    const n = Buffer.byteLength(ch, 'utf8');
    const limit = out.length === 0 ? 75 : 74; // a continuation line starts with the space
    if (octets + n > limit) {
      out.push(current);
      current = '';
      octets = 0;
    }
    current += ch;
    octets += n;
  }
  out.push(current);
  return out.join('\r\n ');
}

export function icsCalendar(name: string, events: readonly IcsEvent[], stamp: Date): string {
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//IR Ministry of Industry Mine and Trade//Production Statistics Portal//FA',
    'CALSCALE:GREGORIAN',
    'METHOD:PUBLISH',
    `X-WR-CALNAME:${icsText(name)}`,
    'X-WR-TIMEZONE:Asia/Tehran',
  ];
  for (const e of events) {
    lines.push(
      'BEGIN:VEVENT',
      `UID:${e.uid}`,
      `DTSTAMP:${icsUtc(stamp)}`,
      `DTSTART:${icsUtc(e.start)}`,
      `DTEND:${icsUtc(new Date(e.start.getTime() + e.minutes * 60_000))}`,
      `SEQUENCE:${e.sequence}`,
      `SUMMARY:${icsText(e.summary)}`,
      `DESCRIPTION:${icsText(e.description)}`,
      ...(e.url ? [`URL:${e.url}`] : []),
      'STATUS:CONFIRMED',
      'TRANSP:TRANSPARENT',
      'END:VEVENT',
    );
  }
  lines.push('END:VCALENDAR');
  return lines.map(foldLine).join('\r\n') + '\r\n';
}
