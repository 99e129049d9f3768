// The MAR view: the Print button (the print stylesheet does the rest).
'use strict';
document.addEventListener('DOMContentLoaded', () => {
  const b = document.getElementById('print');
  if (b) b.addEventListener('click', () => window.print());
});
