import { startOfJalaliDay, jalaliDateOf } from '../calendar.ts';
import { log } from '../log.ts';

// DESIGN §11: the nightly job runs in-process at a Tehran wall-clock time (default 01:00). Every
// instance schedules it; the advisory lock inside runNightly lets exactly one of them work.

/** 'HH:MM' → minutes after midnight; throws on a malformed time. */
export function parseTime(time: string): number {
  const m = /^(\d{1,2}):(\d{2})$/.exec(time.trim());
  if (!m || Number(m[1]) > 23 || Number(m[2]) > 59) throw new Error(`not a time of day (HH:MM): ${time}`);
  return Number(m[1]) * 60 + Number(m[2]);
}

/** The first instant strictly after `now` at which Tehran's clock reads `time`. */
export function nextRunAt(time: string, now: Date): Date {
  const minutes = parseTime(time);
  const today = startOfJalaliDay(jalaliDateOf(now));
  const candidate = new Date(today.getTime() + minutes * 60_000);
  if (candidate > now) return candidate;
  // Tomorrow's midnight in Tehran, found through the calendar (not by adding 24 h blindly).
  const tomorrow = startOfJalaliDay(jalaliDateOf(new Date(today.getTime() + 36 * 3600_000)));
  return new Date(tomorrow.getTime() + minutes * 60_000);
}

export interface Scheduler { stop(): void; next(): Date | null }

/** How the scheduler waits: the process's timers, or a test's own clock. */
export interface Timers { set(fire: () => void, ms: number): unknown; clear(handle: unknown): void }

/** The process's timers, unref'd so that a pending run never keeps a process alive. */
const processTimers: Timers = {
  set: (fire, ms) => setTimeout(fire, ms).unref(),
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/**
 * Calls `run(at)` at each next Tehran `time`, with `at` the scheduled instant, then reschedules.
 * stop() cancels the next run. `now` and `timers` are the process's unless a test gives its own.
 */
export function startScheduler(opts: { time: string; run: (at: Date) => Promise<unknown>; now?: () => Date; timers?: Timers }): Scheduler {
  const now = opts.now ?? (() => new Date());
  const timers = opts.timers ?? processTimers;
  let timer: unknown = null;
  let nextAt: Date | null = null;
  let stopped = false;
  const schedule = () => {
    if (stopped) return;
    const at = nextRunAt(opts.time, now());
    nextAt = at;
    timer = timers.set(() => void fire(at), Math.max(0, at.getTime() - now().getTime()));
  };
  const fire = async (at: Date) => {
    try {
      await opts.run(at);
    } catch (err) {
      log.error({ err }, 'scheduled nightly job failed');
    }
    schedule();
  };
  parseTime(opts.time);
  schedule();
  return {
    stop() {
      stopped = true;
      if (timer !== null) timers.clear(timer);
      timer = null;
      nextAt = null;
    },
    next: () => nextAt,
  };
}
