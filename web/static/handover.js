// The handover page: the print button.
'use strict';

document.addEventListener('DOMContentLoaded', () => {
  const p = document.getElementById('print');
  if (p) p.addEventListener('click', () => window.print());
});
