import { jobById, OPEN_STATES, PHASE_LABELS, type JobRow } from '../stats/jobs/model.ts';
import { runNextJob } from '../stats/jobs/worker.ts';

/**
 * Waits for job `id` to end, printing its progress: this process works the queue meanwhile (so
 * the command needs no running instance), and when another worker holds the job it follows the
 * job's row instead.
 */
export async function waitForJob(id: number, print: (line: string) => void): Promise<JobRow> {
  let shown = '';
  const show = (job: Pick<JobRow, 'id' | 'state' | 'phase' | 'progress'>) => {
    const line = `job ${job.id}: ${job.state}${job.phase ? `, ${job.phase} (${PHASE_LABELS[job.phase]})` : ''}${job.state === 'running' ? ` ${Math.round(Number(job.progress) * 100)} %` : ''}`;
    if (line !== shown) print(line);
    shown = line;
  };
  for (;;) {
    const job = await jobById(id);
    if (!job) throw new Error(`job ${id} vanished`);
    show(job);
    if (!OPEN_STATES.includes(job.state)) return job;
    const ran = await runNextJob({ onReport: (j, r) => { if (j.id === id) show({ ...j, state: 'running', phase: r.phase, progress: r.progress }); } });
    if (!ran) await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}
