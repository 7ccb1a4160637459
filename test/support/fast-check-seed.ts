import fc from 'fast-check';

// Property tests draw their cases from one fixed seed, so that CI and a developer see the same
// cases and a failure is never a matter of luck (a random seed failed CI twice: test/gauss.test.ts,
// test/proof.test.ts). To explore other cases: FC_SEED=<number> npm test, or FC_SEED=random.
const chosen = process.env.FC_SEED;
if (chosen !== 'random') fc.configureGlobal({ seed: chosen ? Number(chosen) : 20261206 });
