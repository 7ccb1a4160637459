import { protectProductFamilies, type ProductsInput } from './protect-job.ts';
import { answerInThread } from './thread.ts';

// The product families of a large release, protected in a thread of their own while the release's
// thread protects its values (protect-job.ts protectCells): the families never depend on the values.

await answerInThread((input: ProductsInput, hooks) => protectProductFamilies(input, hooks));
