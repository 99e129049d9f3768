// Field-level errors of the administration forms: an API error that
// names a field is shown under that field (id "err-<field>"), which is
// marked invalid and focused; others go to the form's status line.
'use strict';

const emarFields = (() => {
  function clear(form) {
    for (const e of form.querySelectorAll('.field-error')) e.textContent = '';
    for (const e of form.querySelectorAll('[aria-invalid]')) e.removeAttribute('aria-invalid');
  }

  // show puts the API's error under its field; map turns the API's field
  // name into the form's ("packages[0].gtin" → "gtin"). It answers the
  // field's label, or "" when no field of the form took the message.
  function show(form, r, map) {
    const e = r && r.data && r.data.error;
    if (!e || !e.field) return '';
    const name = map ? map(e.field) : e.field;
    const box = form.querySelector('#err-' + CSS.escape(name));
    if (!box) return '';
    box.textContent = e.message;
    const input = form.querySelector('#' + CSS.escape(name)) || box.closest('fieldset');
    if (input) {
      input.setAttribute('aria-invalid', 'true');
      const focusable = input.matches('input, select, textarea') ? input : input.querySelector('input, select, textarea');
      if (focusable) focusable.focus();
    }
    const label = form.querySelector('label[for="' + CSS.escape(name) + '"]') || box.closest('fieldset')?.querySelector('legend');
    return label ? label.textContent.trim() : name;
  }

  // words reads a page's words from a <template> of data-key spans.
  function words(id) {
    const out = {};
    const t = document.getElementById(id);
    if (t) for (const s of t.content.querySelectorAll('[data-key]')) out[s.dataset.key] = s.textContent;
    return out;
  }

  return { clear, show, words };
})();
