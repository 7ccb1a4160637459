// Registration form, progressive enhancement only: as a product code field is typed into (a code
// or part of a name, two characters at least), the catalogue is searched on the server and its
// answers fill the field's list, the unit's chosen ISIC class first. The page never carries the
// whole catalogue (issue 23 F12); without JavaScript the code is typed and checked on sending.
// Picking an answer (the field then holds its code) fills the row's unit of measure with the
// code's standard unit when the visitor has not written one.
(() => {
  const list = document.getElementById('catalogue-list');
  const isic = document.getElementById('f-isic_class');
  if (!list) return;
  const typed = new Map([...list.querySelectorAll('option')].map((o) => [o.value, o.textContent]));
  const persian = (s) => s.replace(/\d/g, (d) => String.fromCharCode(0x06f0 + Number(d)));
  const unitOf = new Map();
  let timer;
  let asked = '';
  async function search(q) {
    const params = new URLSearchParams({ q });
    if (isic && /^\d{4}$/.test(isic.value)) params.set('isic', isic.value);
    const key = params.toString();
    if (key === asked) return;
    asked = key;
    try {
      const res = await fetch(`/catalogue/search?${key}`, { headers: { Accept: 'application/json' } });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const { results } = await res.json();
      for (const c of results) unitOf.set(c.code, c.unit_name);
      if (key !== asked) return;
      const options = results.map((c) => {
        const o = document.createElement('option');
        o.value = c.code;
        o.textContent = `${persian(c.code)} — ${c.name_fa} (${c.unit_name})`;
        return o;
      });
      for (const [code, label] of typed) if (!results.some((c) => c.code === code)) {
        const o = document.createElement('option');
        o.value = code;
        o.textContent = label;
        options.push(o);
      }
      list.replaceChildren(...options);
    } catch {
      // Offline or refused: the field still takes a typed code, checked when the form is sent;
      // the same words typed again are asked again.
      if (key === asked) asked = '';
    }
  }
  document.addEventListener('input', (e) => {
    const input = e.target;
    if (!(input instanceof HTMLInputElement) || input.getAttribute('list') !== 'catalogue-list') return;
    clearTimeout(timer);
    const q = input.value.trim();
    const unit = input.closest('.product-row')?.querySelector('input[name$="[unit_of_measure]"]');
    if (unit && !unit.value.trim() && unitOf.has(q)) unit.value = unitOf.get(q);
    if ([...q].length < 2) return;
    timer = setTimeout(() => void search(q), 200);
  });
})();
