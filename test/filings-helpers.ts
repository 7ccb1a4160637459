import { addMonths, periodOf, type Period } from '../src/calendar.ts';

// Shared by the filing tests: the period arithmetic relative to today, and a form body as the
// browser would post it.

export const NOW_PERIOD: Period = periodOf(new Date());
export const period = (n: number): Period => addMonths(NOW_PERIOD, n);

export interface LineValues { produced?: string; sold?: string; sales_value?: string }
export interface FormValues {
  employees?: string;
  production_value?: string;
  intermediate_consumption?: string;
  lines?: LineValues[];
}

export function formBody(csrf: string, productIds: number[], v: FormValues, extra: Record<string, string> = {}): string {
  const p = new URLSearchParams();
  p.set('_csrf', csrf);
  p.set('employees', v.employees ?? '12');
  p.set('production_value', v.production_value ?? '۱٬۲۰۰٬۰۰۰');
  p.set('intermediate_consumption', v.intermediate_consumption ?? '۷۰۰٬۰۰۰');
  productIds.forEach((id, i) => {
    const l = v.lines?.[i] ?? {};
    p.set(`lines[${i}][product_id]`, String(id));
    p.set(`lines[${i}][produced]`, l.produced ?? '۸۰');
    p.set(`lines[${i}][sold]`, l.sold ?? '۷۰');
    p.set(`lines[${i}][sales_value]`, l.sales_value ?? '۹۰۰٬۰۰۰');
  });
  for (const [k, val] of Object.entries(extra)) p.set(k, val);
  return p.toString();
}
