import { buildProblem } from './cube.ts';
import { buildProof, earlierWitnesses } from './proof.ts';
import { movesOn, patternOf, proofHalves, type ProofHalfInput, type ProofHalfOutput } from './proof-release.ts';
import { BUILDING } from './sources.ts';
import { unpackedRows } from './packed-rows.ts';
import { answerInThread } from './thread.ts';

// The second thread of a large release's proof (proof-release.ts): the same problem rebuilt from the
// same rows, witnesses for the sensitive expressions of its half (proofHalves).

await answerInThread(async (input: ProofHalfInput): Promise<ProofHalfOutput> => {
  const problem = buildProblem(unpackedRows(input.rows), input.releases, input.rules, undefined, { without: new Set(input.without) });
  const halfOf = proofHalves(problem);
  const r = await buildProof(problem, patternOf(problem), BUILDING, { allowed: input.allowed, only: (t) => halfOf(t) === input.half, seeds: movesOn(problem, input.moves), exact: earlierWitnesses(problem, input.earlier).witnesses });
  return { summary: r.summary, witnesses: r.witnesses.map((w) => ({ bases: w.bases, steps: w.steps.map(String) })) };
});
