// Shows a PDF with the vendored pdf.js (no CDN): one page at a time on a canvas, with
// previous/next page ("Trang 2/5"), zoom out/in and fit to width. The toolbar wraps
// and its buttons are 44 px tall, so it works on a 375 px phone.
import * as pdfjs from '/static/vendor/pdfjs/pdf.min.mjs';
import { el, t } from './api.js';

pdfjs.GlobalWorkerOptions.workerSrc = '/static/vendor/pdfjs/pdf.worker.min.mjs';

const ZOOM_STEP = 1.25;
const MIN_ZOOM = 0.5;
const MAX_ZOOM = 4;

function tool(action, key, text) {
  return el('button', { type: 'button', class: 'pdf-tool', 'data-pdf': action,
    'aria-label': t(key), title: t(key) }, text);
}

function toolbar() {
  const label = el('span', { class: 'pdf-page', 'aria-live': 'polite' });
  const bar = el('div', { class: 'pdf-bar', role: 'toolbar', 'aria-label': t('pdf.toolbar') },
    tool('prev', 'pdf.prev', '‹'), label, tool('next', 'pdf.next', '›'),
    tool('zoom-out', 'pdf.zoom_out', '−'), tool('zoom-in', 'pdf.zoom_in', '+'),
    tool('fit', 'pdf.fit_width', t('pdf.fit_width')));
  return { bar, label };
}

// One viewer per container: `state.zoom` is relative to the container's width (1 = fit).
function viewer(container, pdf) {
  const { bar, label } = toolbar();
  const frame = el('div', { class: 'pdf-frame' });
  const canvas = el('canvas', { role: 'img' });
  frame.append(canvas);
  container.replaceChildren(bar, frame);
  const state = { page: 1, zoom: 1, rendering: null };
  const button = (action) => bar.querySelector(`[data-pdf="${action}"]`);

  async function render() {
    const pageObj = await pdf.getPage(state.page);
    const base = pageObj.getViewport({ scale: 1 });
    const fitWidth = Math.max(Math.min(frame.clientWidth || 760, 760) - 2, 120);
    const cssWidth = fitWidth * state.zoom;
    const ratio = window.devicePixelRatio || 1;
    const viewport = pageObj.getViewport({ scale: (cssWidth / base.width) * ratio });
    if (state.rendering) state.rendering.cancel();
    canvas.width = viewport.width;
    canvas.height = viewport.height;
    canvas.style.width = `${Math.round(cssWidth)}px`;
    const where = t('pdf.page_of').replace('{page}', state.page).replace('{pages}', pdf.numPages);
    canvas.setAttribute('aria-label', where);
    label.textContent = where;
    container.dataset.page = String(state.page);
    container.dataset.zoom = String(state.zoom);
    button('prev').disabled = state.page <= 1;
    button('next').disabled = state.page >= pdf.numPages;
    button('zoom-out').disabled = state.zoom <= MIN_ZOOM;
    button('zoom-in').disabled = state.zoom >= MAX_ZOOM;
    state.rendering = pageObj.render({ canvasContext: canvas.getContext('2d'), viewport });
    try {
      await state.rendering.promise;
    } catch (e) {
      if (e && e.name === 'RenderingCancelledException') return;
      throw e;
    }
  }

  const actions = {
    prev: () => { state.page = Math.max(1, state.page - 1); },
    next: () => { state.page = Math.min(pdf.numPages, state.page + 1); },
    'zoom-in': () => { state.zoom = Math.min(MAX_ZOOM, state.zoom * ZOOM_STEP); },
    'zoom-out': () => { state.zoom = Math.max(MIN_ZOOM, state.zoom / ZOOM_STEP); },
    fit: () => { state.zoom = 1; },
  };
  bar.addEventListener('click', (event) => {
    const target = event.target.closest('[data-pdf]');
    if (!target || target.disabled) return;
    actions[target.dataset.pdf]();
    render().catch(() => {});
  });
  return render;
}

export async function showPdf(container, url) {
  const response = await fetch(url, { credentials: 'same-origin' });
  if (!response.ok) throw new Error(`${t('error.server')} (${response.status})`);
  const data = new Uint8Array(await response.arrayBuffer());
  const pdf = await pdfjs.getDocument({ data, isEvalSupported: false, verbosity: 0 }).promise;
  container.dataset.pages = String(pdf.numPages);
  await viewer(container, pdf)();
}
