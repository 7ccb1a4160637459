import request from 'supertest';
import type { Express } from 'express';
import { csrfFrom, legalEntityId } from './factories.ts';

// A valid registration form for the units tests; each test overrides what it is about.
let seq = 0;

export function registrationForm(overrides: Record<string, string> = {}): Record<string, string> {
  seq += 1;
  return {
    entity_name: 'شرکت لبنیات نمونه',
    national_id: legalEntityId(500 + seq + (process.pid % 1000) * 100),
    licence_no: `R-${process.pid}-${seq}`,
    licence_issued_on: '1404/02/15',
    kind: 'industrial',
    isic_class: '1050',
    province_code: '23',
    city: 'تهران',
    address: 'خیابان آزادی، پلاک ۱۰',
    postal_code: '1234567890',
    phone: '02112345678',
    contact_name: 'علی رضایی',
    contact_national_code: '0499370899',
    email: `unit-${process.pid}-${seq}@test.ir`,
    password: 'a-strong-password',
    password_confirm: 'a-strong-password',
    'products[0][name]': 'شیر پاستوریزه',
    'products[0][unit_of_measure]': 'تن',
    'products[0][annual_capacity]': '12000',
    'products[0][product_code]': '',
    'products[1][name]': '',
    'products[1][unit_of_measure]': '',
    'products[1][annual_capacity]': '',
    ...overrides,
  };
}

/** A fresh visitor with the CSRF token of the registration page. */
export async function visitor(app: Express): Promise<{ agent: ReturnType<typeof request.agent>; csrf: string }> {
  const agent = request.agent(app);
  const page = await agent.get('/register').expect(200);
  return { agent, csrf: csrfFrom(page.text) };
}

export async function postRegistration(app: Express, form: Record<string, string>) {
  const { agent, csrf } = await visitor(app);
  const res = await agent.post('/register').type('form').send({ _csrf: csrf, ...form });
  return { agent, res };
}

/**
 * Registers through the site as a stranger would, proves the email with the one-time link the
 * mail carried (issue 12 §2), and signs in: the owner's agent, as after a real registration.
 */
export async function registerAndSignIn(app: Express, form: Record<string, string>) {
  const { captureMail } = await import('../../src/mail.ts');
  const outbox = captureMail();
  try {
    const { res } = await postRegistration(app, form);
    if (res.status !== 303) return { res, agent: undefined as unknown as ReturnType<typeof request.agent> };
    const sent = outbox.filter((m) => m.to === form.email.toLowerCase()).at(-1);
    const token = sent && /\/email-confirmations\/([A-Za-z0-9_-]+)/.exec(sent.text)?.[1];
    if (!token) throw new Error('no email proof link was mailed');
    const proof = request.agent(app);
    const page = await proof.get(`/email-confirmations/${token}`);
    await proof.post(`/email-confirmations/${token}`).type('form').send({ _csrf: csrfFrom(page.text), confirm: '1' });
  } finally {
    captureMail(false);
  }
  const agent = request.agent(app);
  const login = await agent.get('/login');
  const signedIn = await agent.post('/login').type('form').send({ _csrf: csrfFrom(login.text), email: form.email, password: form.password });
  return { res: signedIn, agent };
}
