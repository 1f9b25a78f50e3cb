// Shows a PDF with the vendored pdf.js (no CDN): every page as a canvas.
import * as pdfjs from '/static/vendor/pdfjs/pdf.min.mjs';
import { t } from './api.js';

pdfjs.GlobalWorkerOptions.workerSrc = '/static/vendor/pdfjs/pdf.worker.min.mjs';

export async function showPdf(container, url) {
  const response = await fetch(url, { credentials: 'same-origin' });
  if (!response.ok) throw new Error(`${t('error.server')} (${response.status})`);
  const data = new Uint8Array(await response.arrayBuffer());
  const pdf = await pdfjs.getDocument({ data, isEvalSupported: false, verbosity: 0 }).promise;
  container.replaceChildren();
  const width = Math.min(container.clientWidth || 760, 760);
  for (let n = 1; n <= pdf.numPages; n += 1) {
    const pageObj = await pdf.getPage(n);
    const base = pageObj.getViewport({ scale: 1 });
    const viewport = pageObj.getViewport({ scale: (width / base.width) * (window.devicePixelRatio || 1) });
    const canvas = document.createElement('canvas');
    canvas.width = viewport.width;
    canvas.height = viewport.height;
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', `${t('doc.page')} ${n}/${pdf.numPages}`);
    container.append(canvas);
    await pageObj.render({ canvasContext: canvas.getContext('2d'), viewport }).promise;
  }
  container.dataset.pages = String(pdf.numPages);
}
