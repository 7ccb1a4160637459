// Registration form, progressive enhancement only (the form works without this file):
// a search box over the ISIC list, the list narrowed to the chosen kind, product rows added in place.
(() => {
  const form = document.querySelector('form.register-form');
  if (!form) return;
  const latin = (s) => s.replace(/[\u06f0-\u06f9]/g, (d) => String(d.charCodeAt(0) - 0x06f0)).replace(/[\u0660-\u0669]/g, (d) => String(d.charCodeAt(0) - 0x0660))
    .replace(/\u064a/g, '\u06cc').replace(/\u0643/g, '\u06a9');
  const select = form.querySelector('#f-isic_class');
  const filter = form.querySelector('#isic-filter');

  function applyIsicFilter() {
    const kind = form.querySelector('input[name=kind]:checked')?.value;
    const section = kind === 'mining' ? 'B' : kind === 'industrial' ? 'C' : null;
    const q = latin(filter.value.trim());
    for (const group of select.querySelectorAll('optgroup')) {
      const groupOk = !section || group.dataset.section === section;
      let any = false;
      for (const opt of group.querySelectorAll('option')) {
        const show = groupOk && (!q || latin(opt.textContent).includes(q) || opt.value.startsWith(q));
        opt.hidden = !show;
        opt.disabled = !show && !opt.selected;
        any ||= show;
      }
      group.hidden = !any;
    }
  }
  if (select && filter) {
    filter.hidden = false;
    filter.addEventListener('input', applyIsicFilter);
    form.querySelectorAll('input[name=kind]').forEach((r) => r.addEventListener('change', () => {
      if (select.selectedOptions[0]?.parentElement?.dataset.section && select.selectedOptions[0].parentElement.dataset.section !== (r.value === 'mining' ? 'B' : 'C')) select.value = '';
      applyIsicFilter();
    }));
    applyIsicFilter();
  }

  const rows = form.querySelector('#product-rows');
  const add = form.querySelector('#add-product-row');
  const max = 20;
  const fa = (n) => String(n).replace(/\d/g, (d) => String.fromCharCode(0x06f0 + Number(d)));
  if (rows && add) {
    add.textContent = 'افزودن ردیف';
    add.addEventListener('click', (e) => {
      e.preventDefault();
      const all = rows.querySelectorAll('.product-row');
      const last = all[all.length - 1];
      if (!last || all.length >= max) return;
      const i = all.length;
      const copy = last.cloneNode(true);
      copy.dataset.index = String(i);
      copy.querySelector('.product-no').textContent = `ردیف ${fa(i + 1)}`;
      for (const el of copy.querySelectorAll('[name], [id], label[for]')) {
        if (el.name) el.name = el.name.replace(/products\[\d+\]/, `products[${i}]`);
        if (el.id) el.id = el.id.replace(/^p-\d+-/, `p-${i}-`);
        if (el.htmlFor) el.htmlFor = el.htmlFor.replace(/^p-\d+-/, `p-${i}-`);
        if (el.value !== undefined && el.tagName === 'INPUT') el.value = '';
        el.classList?.remove('is-invalid');
        const label = el.getAttribute('aria-label');
        if (label) el.setAttribute('aria-label', label.replace(/[\u06f0-\u06f9]+$/, fa(i + 1)));
      }
      copy.querySelectorAll('.invalid-feedback').forEach((n) => n.remove());
      rows.appendChild(copy);
      copy.querySelector('input')?.focus();
      if (i + 1 >= max) add.hidden = true;
    });
  }
})();
