// Filing form (progressive enhancement; the server accepts any digits and separators either way):
// amounts grouped as they are typed, each Rial amount in words under its field, value added live.
import { groupDigits, plainNumber, digitsBefore, caretAfterDigits, rialWords } from './numbers.js';

const form = document.getElementById('filing-form');
if (form) {
  const out = document.querySelector('[data-value-added]');
  const hint = document.querySelector('[data-value-added-hint]');
  const toNumber = (s) => {
    const clean = plainNumber(s);
    return /^\d+(\.\d+)?$/.test(clean) ? Number(clean) : NaN;
  };
  const fmt = new Intl.NumberFormat('fa-IR');
  const words = (input) => {
    const box = document.getElementById(`${input.id}-words`);
    if (box) box.textContent = rialWords(input.value);
  };
  const regroup = (input) => {
    const before = input.value;
    const grouped = groupDigits(before);
    if (grouped === before) return;
    const n = digitsBefore(before, input.selectionStart ?? before.length);
    input.value = grouped;
    const at = caretAfterDigits(grouped, n);
    if (document.activeElement === input) input.setSelectionRange(at, at);
  };
  const updateValueAdded = () => {
    if (!out) return;
    const pv = toNumber(form.elements.namedItem('production_value')?.value ?? '');
    const ic = toNumber(form.elements.namedItem('intermediate_consumption')?.value ?? '');
    if (Number.isFinite(pv) && Number.isFinite(ic)) {
      out.textContent = `${fmt.format(pv - ic)} ریال`;
      if (hint) hint.hidden = true;
    }
  };
  form.addEventListener('input', (e) => {
    const input = e.target;
    if (input instanceof HTMLInputElement && input.dataset.number) {
      regroup(input);
      if (input.dataset.number === 'rial') words(input);
    }
    updateValueAdded();
  });
  for (const input of form.querySelectorAll('input[data-number="rial"]')) words(input);
  updateValueAdded();
}
