import type { Knex } from 'knex';
import type { Response } from 'supertest';

// Hostile input for every field of every form (issue 7 §6), the HTML form finder that finds
// those fields on the pages themselves, and a fingerprint of the data that a refused request
// must leave untouched.

export const SCRIPT = '<script>alert(1)</script>';

/** The values every field is tried with. */
export const HOSTILE: { name: string; value: string }[] = [
  { name: 'script in Persian text', value: `شرکت ${SCRIPT} نمونه` },
  { name: 'SQL injection', value: "' OR 1=1 --" },
  { name: '10,000 characters', value: 'آ'.repeat(5000) + 'x'.repeat(5000) },
  { name: 'NUL byte', value: 'متن\u0000نال' },
  { name: 'negative number', value: '-5' },
  { name: '30-digit number', value: '123456789012345678901234567890' },
  { name: 'right-to-left override', value: '\u202eمتن وارونه' },
];

/** Persian letters (the page says something in Persian). */
export const PERSIAN = /[\u0600-\u06ff]{3,}/;

export interface FormField { name: string; kind: 'input' | 'textarea' | 'select'; type: string; value: string; options: string[] }
export interface HtmlForm { method: 'GET' | 'POST'; action: string; fields: FormField[]; submit?: { name: string; value: string } }

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", '#39': "'", nbsp: '\u00a0' };

export function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (m, e: string) => {
    if (e[0] === '#') return String.fromCodePoint(e[1].toLowerCase() === 'x' ? parseInt(e.slice(2), 16) : Number(e.slice(1)));
    return ENTITIES[e.toLowerCase()] ?? m;
  });
}

function attrs(tag: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;
  const inner = tag.replace(/^<\s*\w+/, '').replace(/\/?>$/, '');
  let m: RegExpExecArray | null;
  while ((m = re.exec(inner))) out[m[1].toLowerCase()] = decodeEntities(m[2] ?? m[3] ?? m[4] ?? '');
  return out;
}

/** Every <form> of a page with its fields and their current values (as a browser would send them). */
export function parseForms(html: string, pageUrl: string): HtmlForm[] {
  const forms: HtmlForm[] = [];
  for (const fm of html.matchAll(/<form\b[^>]*>[\s\S]*?<\/form>/gi)) {
    const block = fm[0];
    const open = attrs(/^<form\b[^>]*>/i.exec(block)![0]);
    const method = (open.method ?? 'get').toUpperCase() === 'POST' ? 'POST' : 'GET';
    const action = open.action ? open.action : pageUrl.split('#')[0];
    const fields: FormField[] = [];
    // The first submit button is the one pressing Enter uses; a nameless one sends nothing.
    let submit: HtmlForm['submit'] | null = null;
    for (const tm of block.matchAll(/<(input|button)\b[^>]*>|<textarea\b[^>]*>([\s\S]*?)<\/textarea>|<select\b[^>]*>([\s\S]*?)<\/select>/gi)) {
      const tag = tm[0];
      const a = attrs(/^<\w+\b[^>]*>/.exec(tag)![0]);
      const lower = tag.slice(0, 9).toLowerCase();
      if (lower.startsWith('<button') || (lower.startsWith('<input') && ['submit', 'image'].includes((a.type ?? '').toLowerCase()))) {
        if ((a.type ?? 'submit').toLowerCase() !== 'button' && submit === null) submit = a.name ? { name: a.name, value: a.value ?? '' } : undefined;
        continue;
      }
      if (!a.name || 'disabled' in a) continue;
      if (lower.startsWith('<textarea')) {
        fields.push({ name: a.name, kind: 'textarea', type: 'textarea', value: decodeEntities(tm[2] ?? '').replace(/^\n/, ''), options: [] });
      } else if (lower.startsWith('<select')) {
        const options = [...(tm[3] ?? '').matchAll(/<option\b[^>]*>([\s\S]*?)<\/option>/gi)].map((o) => {
          const oa = attrs(/^<option\b[^>]*>/i.exec(o[0])![0]);
          return { value: oa.value ?? decodeEntities(o[1]).trim(), selected: 'selected' in oa };
        });
        const chosen = options.find((o) => o.selected) ?? options[0];
        fields.push({ name: a.name, kind: 'select', type: 'select', value: chosen?.value ?? '', options: options.map((o) => o.value) });
      } else {
        const type = (a.type ?? 'text').toLowerCase();
        if ((type === 'checkbox' || type === 'radio') && !('checked' in a)) {
          // Unchecked: not sent, but still a field an attacker can send.
          fields.push({ name: a.name, kind: 'input', type, value: '', options: [a.value ?? 'on'] });
          continue;
        }
        fields.push({ name: a.name, kind: 'input', type, value: a.value ?? '', options: a.value ? [a.value] : [] });
      }
    }
    forms.push({ method, action: decodeEntities(action), fields, submit: submit ?? undefined });
  }
  return forms;
}

/** Fields worth attacking: everything a user or an attacker can type into, except the CSRF token. */
export function attackable(form: HtmlForm): FormField[] {
  return form.fields.filter((f) => f.name !== '_csrf' && f.type !== 'file');
}

/** The form's values as an urlencoded body; a field may be overridden, unchecked boxes stay out. */
export function encodeForm(form: HtmlForm, values: Record<string, string>, override?: { name: string; value: string }): string {
  const p = new URLSearchParams();
  const done = new Set<string>();
  for (const f of form.fields) {
    if (f.name === '_csrf') continue; // the sender adds the token of its own session
    if (override && f.name === override.name) {
      if (!done.has(f.name)) p.append(f.name, override.value);
      done.add(f.name);
      continue;
    }
    if ((f.type === 'checkbox' || f.type === 'radio') && f.value === '' && !(f.name in values)) continue;
    if (f.type === 'radio' && done.has(f.name)) continue;
    p.append(f.name, values[f.name] ?? f.value);
    done.add(f.name);
  }
  if (form.submit) p.append(form.submit.name, form.submit.value);
  return p.toString();
}

const TABLES: Record<string, string> = {
  legal_entities: 'select * from legal_entities',
  units: 'select * from units',
  products: 'select * from products',
  unit_users: 'select * from unit_users',
  users: 'select id, email, role, province_code, full_name, active, password_hash from users',
  activation_tokens: 'select * from activation_tokens',
  api_tokens: 'select id, user_id, name, token_hash, revoked_at from api_tokens',
  filings: 'select * from filings',
  filing_lines: 'select * from filing_lines',
  filing_revisions: 'select * from filing_revisions',
  filing_reviews: 'select * from filing_reviews',
  reminders: 'select * from reminders',
  certificates: 'select * from certificates',
  nominations: 'select * from nominations',
  settings: 'select * from settings',
};

/** One hash per table of everything a refused request must not change (sessions and the audit log excepted). */
export async function fingerprint(k: Knex): Promise<Record<string, string>> {
  // An order-free checksum of every row's text (count + sum of hashes): cheap enough to take around every request.
  const parts = Object.entries(TABLES).map(([name, sql]) => `select '${name}' as t, (select count(*) || ':' || coalesce(sum(hashtext(x::text)::bigint), 0) from (${sql}) x) as h`);
  const r = await k.raw(parts.join(' union all '));
  return Object.fromEntries((r.rows as { t: string; h: string }[]).map((row) => [row.t, row.h]));
}

/** What the response shows, for a failure message: status, redirect, and the page's title and first words. */
export function describe(res: Response): string {
  let body = '';
  if (typeof res.text === 'string') {
    const title = /<title>([^<]*)<\/title>/.exec(res.text)?.[1];
    const h1 = res.text.indexOf('<h1');
    const text = (h1 >= 0 ? res.text.slice(h1) : res.text).replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim();
    body = `${title ? `[${title}] ` : ''}${text.slice(0, 200)}`;
  }
  return `${res.status}${res.headers.location ? ` → ${res.headers.location}` : ''} ${body}`;
}
