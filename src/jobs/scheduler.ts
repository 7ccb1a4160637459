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

/**
 * Calls `run(at)` at each next Tehran `time`, with `at` the scheduled instant, then reschedules.
 * Timers are unref'd so they never keep a process alive; stop() cancels the next run.
 */
export function startScheduler(opts: { time: string; run: (at: Date) => Promise<unknown>; now?: () => Date }): Scheduler {
  const now = opts.now ?? (() => new Date());
  let timer: NodeJS.Timeout | null = null;
  let nextAt: Date | null = null;
  let stopped = false;
  const schedule = () => {
    if (stopped) return;
    const at = nextRunAt(opts.time, now());
    nextAt = at;
    timer = setTimeout(fire, Math.max(0, at.getTime() - now().getTime()), at);
    timer.unref();
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
      if (timer) clearTimeout(timer);
      timer = null;
      nextAt = null;
    },
    next: () => nextAt,
  };
}
