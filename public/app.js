// Progressive enhancement only: every page works without this file.
document.addEventListener('click', (e) => {
  const t = e.target;
  if (t instanceof HTMLElement && t.matches('[data-print]')) { e.preventDefault(); window.print(); }
});
document.addEventListener('submit', (e) => {
  const f = e.target;
  if (f instanceof HTMLFormElement && f.dataset.confirm && !window.confirm(f.dataset.confirm)) e.preventDefault();
});
