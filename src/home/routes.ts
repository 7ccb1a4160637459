import { Router } from 'express';
import { loadSettings } from '../settings.ts';
import { currentFilingPeriod, deadlineDayOf, inactivityWindow } from '../calendar.ts';

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
      // The rule in force now (ruleFor), not the newest one: a change dated ahead is not shown before it applies.
      inactivityMonths: inactivityWindow(now, settings.rules).months,
    });
  });
  return router;
}
