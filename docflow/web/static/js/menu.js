// The menu on a phone: folded behind its button (base.html), unfolded by a press.
// Wide screens ignore the fold (app.css), so the button only matters under 481 px.
const toggle = document.querySelector('.menu-toggle');
if (toggle) {
  const nav = toggle.closest('.menu');
  toggle.addEventListener('click', () => {
    const open = toggle.getAttribute('aria-expanded') !== 'true';
    toggle.setAttribute('aria-expanded', String(open));
    nav.dataset.folded = String(!open);
  });
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && toggle.getAttribute('aria-expanded') === 'true') {
      toggle.click();
      toggle.focus();
    }
  });
}
