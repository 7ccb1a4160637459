import { z } from 'zod';
import { latinDigits, normalizeText } from '../text.ts';
import { text, email, str } from '../forms.ts';
import type { Role } from '../auth/users.ts';

// The admin's forms over staff accounts: a new account, a role, the list's filter.

export const CREATABLE_ROLES = ['province_officer', 'stats_office', 'planning_deputy', 'admin'] as const satisfies readonly Role[];
export type StaffRole = (typeof CREATABLE_ROLES)[number];

export const staffUserForm = z.object({
  email: email(),
  full_name: text('نام و نام خانوادگی', 150),
  role: z.enum(CREATABLE_ROLES, { error: 'نقش را انتخاب کنید.' }),
  province_code: z.preprocess((v) => (typeof v === 'string' && v.trim() ? v.trim() : null), z.string().regex(/^\d{2}$/, 'استان را از فهرست انتخاب کنید.').nullable()),
}).superRefine((v, ctx) => {
  if (v.role === 'province_officer' && !v.province_code) ctx.addIssue({ code: 'custom', path: ['province_code'], message: 'برای کارشناس استان، استان را انتخاب کنید.' });
});
export type StaffUserInput = z.infer<typeof staffUserForm>;

export interface UserFilter { q: string; role: string; province: string; page: number }

/** The list's filter from the query string: anything unknown is no filter (page 1). */
export function parseUserFilter(query: Record<string, unknown>, roles: readonly string[]): UserFilter {
  const s = (k: string) => str(query[k]);
  const role = s('role');
  const province = latinDigits(s('province')).trim();
  const page = Number(latinDigits(s('page')).trim());
  return {
    q: normalizeText(s('q')).slice(0, 100),
    role: roles.includes(role) ? role : '',
    province: /^\d{2}$/.test(province) ? province : '',
    page: Number.isInteger(page) && page >= 1 && page <= 100_000 ? page : 1,
  };
}

/** The filter as a query string (page last, only past the first), for page links and the way back. */
export function userFilterQuery(f: UserFilter, page = f.page): string {
  const p = new URLSearchParams();
  for (const key of ['q', 'role', 'province'] as const) if (f[key]) p.set(key, f[key]);
  if (page > 1) p.set('page', String(page));
  const qs = p.toString();
  return qs ? `?${qs}` : '';
}

export const roleForm = z.object({
  role: z.enum(CREATABLE_ROLES, { error: 'نقش را انتخاب کنید.' }),
  province_code: z.preprocess((v) => (typeof v === 'string' && v.trim() ? v.trim() : null), z.string().regex(/^\d{2}$/, 'استان را از فهرست انتخاب کنید.').nullable()),
}).superRefine((v, ctx) => {
  if (v.role === 'province_officer' && !v.province_code) ctx.addIssue({ code: 'custom', path: ['province_code'], message: 'برای کارشناس استان، استان را انتخاب کنید.' });
});
