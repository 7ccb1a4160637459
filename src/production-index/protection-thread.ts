import { protectIndexCells } from './protection.ts';
import { answerInThread } from '../stats/releases/thread.ts';

// The worker thread of protectIndexInThread (protection.ts): protects one computation's cells.
await answerInThread(protectIndexCells);
