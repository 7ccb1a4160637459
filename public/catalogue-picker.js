// Registration form, progressive enhancement only: the catalogue's codes of the unit's chosen ISIC
// class come first in the product code list (the server does the same when the form comes back).
(() => {
  const list = document.getElementById('catalogue-list');
  const isic = document.getElementById('f-isic_class');
  if (!list || !isic) return;
  const options = [...list.querySelectorAll('option')];
  function order() {
    const cls = isic.value;
    const first = options.filter((o) => cls && o.value.startsWith(cls));
    const rest = options.filter((o) => !(cls && o.value.startsWith(cls)));
    list.replaceChildren(...first, ...rest);
  }
  isic.addEventListener('change', order);
  order();
})();
