import { Router, type Request } from 'express';
import { z } from 'zod';
import { db } from '../db.ts';
import { requireUser, currentUser, flash } from '../auth/guards.ts';
import { NotFoundError } from '../errors.ts';
import { text, parseForm, formView, FormError, str } from '../forms.ts';
import { createApiToken, revokeApiToken } from '../api/auth.ts';
import { auditFrom } from '../audit.ts';

// The user's API tokens (issue 3 §5): a token is shown once, on the page answering its creation;
// only its hash and first characters are kept.

const tokenForm = z.object({ name: text('نام کلید', 100) });

async function tokensPage(req: Request): Promise<Record<string, unknown>> {
  const tokens = await db()('api_tokens').where({ user_id: currentUser(req).id }).orderBy('created_at', 'desc')
    .select('id', 'name', 'prefix', 'created_at', 'last_used_at', 'revoked_at', 'expires_at');
  return { title: 'کلیدهای دسترسی API', tokens, values: {}, errors: {}, newToken: undefined };
}

const tokensView = formView('account/tokens', tokensPage);

export function accountTokensRouter(): Router {
  const router = Router();
  router.get('/account/tokens', requireUser, async (req, res) => res.render('account/tokens', await tokensPage(req)));
  router.post('/account/tokens', requireUser, tokensView, async (req, res) => {
    const parsed = parseForm(tokenForm, req.body);
    if (!parsed.ok) throw new FormError(parsed.errors, { values: { name: str(req.body?.name, 100) } });
    const { id, token } = await createApiToken(currentUser(req).id, parsed.data.name);
    await auditFrom(req, { action: 'api_token.create', target: `api_token:${id}` });
    // Not a redirect: the token exists in clear only in this response.
    res.setHeader('Cache-Control', 'no-store');
    res.status(201).render('account/tokens', { ...(await tokensPage(req)), newToken: token });
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
