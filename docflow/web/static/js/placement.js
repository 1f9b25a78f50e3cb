// Where the number, the date and the leader's signature go: page 1 of the chosen PDF
// (vendored pdf.js, as pdfview.js uses it) with three boxes that move by pointer (mouse,
// pen, touch) or by the arrow keys. Boxes are kept in PDF points (origin bottom left);
// only the boxes a person moved are sent, so untouched ones keep the server's
// text-aware defaults (signing.pades.placement).
import * as pdfjs from '/static/vendor/pdfjs/pdf.min.mjs';

pdfjs.GlobalWorkerOptions.workerSrc = '/static/vendor/pdfjs/pdf.worker.min.mjs';

const FIELD_HEIGHT = 18; // signing.pades.placement.FIELD_HEIGHT
const LEADER_BOX = [330, 120, 530, 200]; // signing FieldLayout.leader_box
const KEY_STEP = 1; // pt per arrow key press; Shift: 10

// The customary places of signing.pades.placement on a page [x1, y1, x2, y2].
export function defaultBoxes(view) {
  const [x1, , x2, y2] = view;
  const top = y2 - 82;
  return {
    number_box: [x1 + 60, top - FIELD_HEIGHT, x1 + 280, top],
    date_box: [x2 - 295, top - FIELD_HEIGHT, x2 - 35, top],
    leader_box: [...LEADER_BOX],
  };
}

const KINDS = [
  ['number_box', 'place.number'],
  ['date_box', 'place.date'],
  ['leader_box', 'place.signature'],
];

const round = (v) => Math.round(v * 10) / 10;

export function setupPlacement(section, words) {
  const frame = section.querySelector('.placement-page');
  const canvas = frame.querySelector('canvas');
  const state = { view: null, boxes: {}, moved: new Set(), nodes: {}, token: 0 };

  const scale = () => canvas.clientWidth / (state.view[2] - state.view[0]);

  function draw(key) {
    const [x1, y1, x2, y2] = state.boxes[key];
    const s = scale();
    const node = state.nodes[key];
    node.style.left = `${(x1 - state.view[0]) * s}px`;
    node.style.top = `${(state.view[3] - y2) * s}px`;
    node.style.width = `${(x2 - x1) * s}px`;
    node.style.height = `${(y2 - y1) * s}px`;
    node.dataset.box = state.boxes[key].map(round).join(',');
  }

  // Moves a box by (dx, dy) points, kept inside the page.
  function move(key, dx, dy) {
    const [vx1, vy1, vx2, vy2] = state.view;
    const [x1, y1, x2, y2] = state.boxes[key];
    const cx = Math.min(Math.max(dx, vx1 - x1), vx2 - x2);
    const cy = Math.min(Math.max(dy, vy1 - y1), vy2 - y2);
    state.boxes[key] = [x1 + cx, y1 + cy, x2 + cx, y2 + cy];
    state.moved.add(key);
    draw(key);
  }

  function dragging(node, key) {
    let last = null;
    node.addEventListener('pointerdown', (event) => {
      event.preventDefault();
      node.focus();
      node.setPointerCapture(event.pointerId);
      last = [event.clientX, event.clientY];
    });
    node.addEventListener('pointermove', (event) => {
      if (!last || !node.hasPointerCapture(event.pointerId)) return;
      const s = scale();
      move(key, (event.clientX - last[0]) / s, -(event.clientY - last[1]) / s);
      last = [event.clientX, event.clientY];
    });
    const stop = () => { last = null; };
    node.addEventListener('pointerup', stop);
    node.addEventListener('pointercancel', stop);
  }

  const ARROWS = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1] };

  function box(key, label) {
    const name = words[label];
    const node = document.createElement('div');
    node.className = 'field-box';
    node.dataset.field = key;
    node.tabIndex = 0;
    node.setAttribute('role', 'button');
    node.setAttribute('aria-roledescription', name);
    node.setAttribute('aria-label', words['place.move'].replace('{name}', name));
    node.textContent = name;
    dragging(node, key);
    node.addEventListener('keydown', (event) => {
      const arrow = ARROWS[event.key];
      if (!arrow) return;
      event.preventDefault();
      const step = event.shiftKey ? KEY_STEP * 10 : KEY_STEP;
      move(key, arrow[0] * step, arrow[1] * step);
    });
    return node;
  }

  function reset() {
    state.boxes = defaultBoxes(state.view);
    state.moved.clear();
    for (const [key] of KINDS) draw(key);
  }

  for (const [key, label] of KINDS) {
    state.nodes[key] = box(key, label);
    frame.append(state.nodes[key]);
  }
  section.querySelector('#placement-reset').addEventListener('click', reset);
  new ResizeObserver(() => {
    if (state.view && !section.hidden) for (const [key] of KINDS) draw(key);
  }).observe(canvas);

  // Shows page 1 of `file` with the boxes at their defaults; false if it cannot.
  async function load(file) {
    const token = ++state.token;
    section.hidden = true;
    state.view = null;
    state.moved.clear();
    try {
      const data = new Uint8Array(await file.arrayBuffer());
      const pdf = await pdfjs.getDocument({ data, isEvalSupported: false, verbosity: 0 }).promise;
      const page = await pdf.getPage(1);
      if (token !== state.token) return true;
      const base = page.getViewport({ scale: 1, rotation: 0 });
      const ratio = window.devicePixelRatio || 1;
      const width = Math.min(frame.parentElement.clientWidth || 600, 600);
      const viewport = page.getViewport({ scale: (width / base.width) * ratio, rotation: 0 });
      canvas.width = viewport.width;
      canvas.height = viewport.height;
      await page.render({ canvasContext: canvas.getContext('2d'), viewport }).promise;
      if (token !== state.token) return true;
      state.view = page.view.map(Number);
      section.hidden = false;
      reset();
      pdf.destroy();
      return true;
    } catch (e) {
      return false;
    }
  }

  function clear() {
    state.token += 1;
    state.view = null;
    state.moved.clear();
    section.hidden = true;
  }

  // The `fields` of the upload's metadata, or null when nothing was moved.
  function fields() {
    if (!state.view || !state.moved.size) return null;
    const chosen = { page: 0 };
    for (const key of state.moved) chosen[key] = state.boxes[key].map(round);
    return chosen;
  }

  return { load, clear, fields };
}
