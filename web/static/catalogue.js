// The catalogue pages: add a product with its first package, edit a
// product (against the version read), add packages. Errors that name a
// field are shown under it. The words come from <template id="catalogue-words">.
'use strict';

(() => {
  const { api, errorText } = emar;
  let words = {};

  // The API names package fields "packages[0].gtin" on create.
  const fieldOf = (f) => f.replace(/^packages\[\d+\]\./, '').replace(/^ingredients.*/, 'ingredients');

  function productBody(form) {
    const f = form.elements;
    const body = {
      name: f.name.value.trim(),
      form: f.form.value.trim(),
      routes: f.routes.value.split(',').map((s) => s.trim()).filter(Boolean),
      ingredients: [...form.querySelectorAll('.ingredient-row')].map((row) => ({
        name: row.querySelector('.in-name').value.trim(),
        strength_value: Number(row.querySelector('.in-value').value || 0),
        strength_unit: row.querySelector('.in-unit').value.trim(),
      })),
      high_alert: f.high_alert.value,
      controlled: f.controlled.value,
      time_critical: f.time_critical.checked,
      psychotropic: f.psychotropic.checked,
      antipsychotic: f.antipsychotic.checked,
      splitting: f.splitting.value,
    };
    if (f.crushable.value !== '') body.crushable = f.crushable.value === 'true';
    return body;
  }

  function packageBody(form) {
    const f = form.elements;
    return { gtin: f.gtin.value.trim(), ndc: f.ndc.value.trim(), description: f.description.value.trim(), quantity: Number(f.quantity.value || 0) };
  }

  function failed(form, state, r) {
    if (r.status === 409 && r.data && r.data.error && r.data.error.field === 'version') {
      state.className = 'error-text';
      state.textContent = words.stale;
      return;
    }
    const onField = emarFields.show(form, r, fieldOf);
    state.className = 'error-text';
    state.textContent = onField ? `${words.fix} ${onField}: ${errorText(r)}` : errorText(r);
  }

  async function saveProduct(ev) {
    ev.preventDefault();
    const form = ev.target;
    const state = document.getElementById('product-state');
    emarFields.clear(form);
    state.className = '';
    state.textContent = words.saving;
    const body = productBody(form);
    let r;
    if (form.dataset.mode === 'create') {
      const pk = packageBody(form);
      body.packages = pk.gtin || pk.ndc ? [pk] : [];
      r = await api('POST', '/api/v1/products', body);
      if (r.ok) {
        state.textContent = words.created;
        location.assign('/catalogue/' + r.data.id);
        return;
      }
    } else {
      body.version = Number(form.dataset.version);
      if (form.elements.crushable.value === '') body.crushable = null;
      r = await api('PATCH', '/api/v1/products/' + form.dataset.product, body);
      if (r.ok) {
        form.dataset.version = String(r.data.version);
        document.getElementById('product-version').textContent = String(r.data.version);
        state.textContent = words.saved + r.data.version;
        const chip = document.getElementById('high-alert-now');
        const ha = form.elements.high_alert;
        chip.hidden = r.data.high_alert === 'none';
        chip.textContent = ha.options[ha.selectedIndex].textContent;
        return;
      }
    }
    failed(form, state, r);
  }

  async function addPackage(ev) {
    ev.preventDefault();
    const form = ev.target;
    const state = document.getElementById('package-state');
    emarFields.clear(form);
    state.className = '';
    state.textContent = words.saving;
    const r = await api('POST', `/api/v1/products/${form.dataset.product}/packages`, packageBody(form));
    if (!r.ok) {
      failed(form, state, r);
      return;
    }
    state.textContent = words.packageAdded;
    location.reload();
  }

  document.addEventListener('DOMContentLoaded', () => {
    words = emarFields.words('catalogue-words');
    const pf = document.getElementById('product-form');
    if (pf) pf.addEventListener('submit', saveProduct);
    const kf = document.getElementById('package-form');
    if (kf) kf.addEventListener('submit', addPackage);
  });
})();
