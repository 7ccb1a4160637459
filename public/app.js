// Progressive enhancement only: every page works without this file.
document.addEventListener('click', (e) => {
  const t = e.target;
  if (t instanceof HTMLElement && t.matches('[data-print]')) { e.preventDefault(); window.print(); }
});
document.addEventListener('submit', (e) => {
  const f = e.target;
  if (f instanceof HTMLFormElement && f.dataset.confirm && !window.confirm(f.dataset.confirm)) e.preventDefault();
});

// The header's menu folds behind a button on narrow screens; without this file it stays open.
(() => {
  const header = document.querySelector('.site-header');
  const button = header?.querySelector('.menu-toggle');
  if (!header || !button) return;
  header.classList.add('js-menu');
  button.hidden = false;
  button.addEventListener('click', () => {
    const open = header.classList.toggle('open');
    button.setAttribute('aria-expanded', String(open));
  });
})();

// A form that comes back with errors: focus its summary, and a summary link focuses its field
// (GOV.UK's error summary).
(() => {
  const summary = document.querySelector('[data-error-summary]');
  if (!summary) return;
  summary.focus();
  summary.addEventListener('click', (e) => {
    const a = e.target instanceof Element ? e.target.closest('a[href^="#"]') : null;
    const field = a && document.getElementById(decodeURIComponent(a.getAttribute('href').slice(1)));
    if (!field) return;
    e.preventDefault();
    field.scrollIntoView({ block: 'center' });
    field.focus();
  });
})();

// A table wider than the screen scrolls inside its box: make that box reachable by keyboard.
(() => {
  for (const box of document.querySelectorAll('.table-responsive, pre')) {
    if (box.scrollWidth > box.clientWidth && !box.hasAttribute('tabindex')) {
      box.tabIndex = 0;
      const caption = box.querySelector('caption')?.textContent?.trim();
      if (!box.getAttribute('aria-label')) box.setAttribute('aria-label', caption || (box.tagName === 'PRE' ? 'نمونه' : 'جدول (برای دیدن همه ستون‌ها افقی بلغزانید)'));
      box.setAttribute('role', 'region');
    }
  }
})();

// The statistics office's jobs: a queued or running job's row follows its progress without a
// reload; when one ends, the page is loaded again to show its release. Without this file the
// «تازه‌سازی» link does the same.
(() => {
  const rows = [...document.querySelectorAll('tr[data-job]')].filter((r) => r.dataset.state === 'queued' || r.dataset.state === 'running');
  if (!rows.length) return;
  const tick = async () => {
    let ended = false;
    for (const row of rows) {
      try {
        const res = await fetch(`/stats/jobs/${encodeURIComponent(row.dataset.job)}`, { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
        if (!res.ok) continue;
        const job = await res.json();
        const bar = row.querySelector('[data-job-progress]');
        if (bar && job.state === 'running') bar.value = job.progress;
        const phase = row.querySelector('[data-job-phase]');
        if (phase && job.phase_label) phase.textContent = job.phase_label;
        const state = row.querySelector('[data-job-state]');
        if (state) state.textContent = job.state_label;
        if (job.state !== 'queued' && job.state !== 'running') ended = true;
      } catch {
        // the next tick tries again
      }
    }
    if (ended) window.location.reload();
    else setTimeout(tick, 2000);
  };
  setTimeout(tick, 1000);
})();
