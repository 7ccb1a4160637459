// Filing form (progressive enhancement): shows value added while typing. The server computes
// and stores it on save either way.
(() => {
  const form = document.getElementById('filing-form');
  const out = document.querySelector('[data-value-added]');
  if (!form || !out) return;
  const toNumber = (s) => {
    const latin = String(s).replace(/[\u06f0-\u06f9]/g, (d) => String(d.charCodeAt(0) - 0x06f0)).replace(/[\u0660-\u0669]/g, (d) => String(d.charCodeAt(0) - 0x0660));
    const clean = latin.replace(/[\u066c,\u060c\u200c\s_]/g, '').replace(/\u066b/g, '.');
    return /^\d+(\.\d+)?$/.test(clean) ? Number(clean) : NaN;
  };
  const fmt = new Intl.NumberFormat('fa-IR');
  const update = () => {
    const pv = toNumber(form.elements.namedItem('production_value')?.value ?? '');
    const ic = toNumber(form.elements.namedItem('intermediate_consumption')?.value ?? '');
    if (Number.isFinite(pv) && Number.isFinite(ic)) out.textContent = `${fmt.format(pv - ic)} ریال`;
  };
  form.addEventListener('input', update);
  update();
})();
