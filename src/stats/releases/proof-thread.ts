import { buildProblem } from './cube.ts';
import { buildProof } from './proof.ts';
import { patternOf, type ProofHalfInput, type ProofHalfOutput } from './proof-release.ts';
import { BUILDING } from './sources.ts';
import { answerInThread } from './thread.ts';

// The second thread of a large release's proof (proof-release.ts): the same problem rebuilt from the
// same rows, witnesses for every other sensitive expression.

await answerInThread(async (input: ProofHalfInput): Promise<ProofHalfOutput> => {
  const problem = buildProblem(input.rows, input.releases, input.rules);
  const r = await buildProof(problem, patternOf(problem), BUILDING, { allowed: input.allowed, only: (t) => t % 2 === input.half });
  return { summary: r.summary, witnesses: r.witnesses.map((w) => ({ bases: w.bases, steps: w.steps.map(String) })) };
});
