import { Router } from 'express';
import { loadSettings } from '../settings.ts';
import { currentFilingPeriod, deadlineDayOf } from '../calendar.ts';

export function homeRouter(): Router {
  const router = Router();
  router.get('/', async (_req, res) => {
    const settings = await loadSettings();
    const now = new Date();
    const period = currentFilingPeriod(now, settings.rules);
    res.render('home/index', {
      title: 'صفحه نخست',
      period,
      deadlineDay: deadlineDayOf(period, settings.rules),
      inactivityMonths: settings.rules.inactivityMonths.at(-1)?.value ?? 3,
    });
  });
  return router;
}
