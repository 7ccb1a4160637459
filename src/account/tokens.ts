import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { db } from '../db.ts';
import { requireUser, currentUser, flash } from '../auth/guards.ts';
import { NotFoundError } from '../errors.ts';
import { text, parseForm, type FieldErrors } from '../forms.ts';
import { createApiToken, revokeApiToken } from '../api/auth.ts';
import { auditFrom } from '../audit.ts';

// The user's API tokens (issue 3 §5): a token is shown once, on the page answering its creation;
// only its hash and first characters are kept.

const tokenForm = z.object({ name: text('نام کلید', 100) });

async function renderTokens(req: Request, res: Response, status: number, extra: { values?: Record<string, unknown>; errors?: FieldErrors; newToken?: string } = {}) {
  const tokens = await db()('api_tokens').where({ user_id: currentUser(req).id }).orderBy('created_at', 'desc')
    .select('id', 'name', 'prefix', 'created_at', 'last_used_at', 'revoked_at', 'expires_at');
  res.status(status).render('account/tokens', { title: 'کلیدهای دسترسی API', tokens, values: extra.values ?? {}, errors: extra.errors ?? {}, newToken: extra.newToken });
}

export function accountTokensRouter(): Router {
  const router = Router();
  router.get('/account/tokens', requireUser, (req, res) => renderTokens(req, res, 200));
  router.post('/account/tokens', requireUser, async (req, res) => {
    const parsed = parseForm(tokenForm, req.body);
    if (!parsed.ok) return renderTokens(req, res, 422, { values: { name: String(req.body?.name ?? '').slice(0, 100) }, errors: parsed.errors });
    const { id, token } = await createApiToken(currentUser(req).id, parsed.data.name);
    await auditFrom(req, { action: 'api_token.create', target: `api_token:${id}` });
    // Not a redirect: the token exists in clear only in this response.
    res.setHeader('Cache-Control', 'no-store');
    await renderTokens(req, res, 201, { newToken: token });
  });
  // The revocation is a resource of the token (STYLE: a workflow step is a resource, not a verb).
  router.post('/account/tokens/:id/revocation', requireUser, async (req, res) => {
    // Digits only, within PostgreSQL's integer: anything else is no token of theirs (404, not a database error).
    const id = /^\d{1,9}$/.test(String(req.params.id)) ? Number(req.params.id) : 0;
    if (id === 0 || !(await revokeApiToken(currentUser(req).id, id))) throw new NotFoundError();
    await auditFrom(req, { action: 'api_token.revoke', target: `api_token:${id}` });
    flash(req, 'success', 'کلید باطل شد و دیگر پذیرفته نمی‌شود.');
    res.redirect(303, '/account/tokens');
  });
  return router;
}
