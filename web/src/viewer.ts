/**
 * The result view: the photo with the colour layer over it at the chosen opacity, and the class
 * name (and the model's confidence) under the pointer.
 */
import { colourLayer } from './colors.js';

export interface ViewState {
  photo: ImageData;
  mask: Uint8Array;
  width: number;
  height: number;
  labels: readonly string[];
  /** Confidence of the chosen class per pixel, when known. */
  confidence?: () => Float32Array;
  describe: (label: string) => string;
  /** Face boxes to outline (photo pixels), from a face-by-face parse. */
  boxes?: readonly { x: number; y: number; width: number; height: number }[];
  /** A region mask (0..255 per pixel) to show instead of the classes: the photo outside it is veiled. */
  region?: Uint8Array;
}

export class Viewer {
  readonly canvas = document.getElementById('viewer') as HTMLCanvasElement;
  readonly #hover = document.getElementById('hover') as HTMLDivElement;
  readonly #placeholder = document.getElementById('placeholder') as HTMLParagraphElement;
  readonly #context = this.canvas.getContext('2d')!;
  readonly #photoCanvas = new OffscreenCanvas(1, 1);
  readonly #layerCanvas = new OffscreenCanvas(1, 1);
  #layer: ImageData | undefined;
  #state: ViewState | undefined;
  opacity = 0.6;
  hidden = new Set<number>();
  palette: readonly (readonly [number, number, number])[] = [];

  constructor() {
    this.canvas.addEventListener('pointermove', (event) => this.#showHover(event));
    this.canvas.addEventListener('pointerleave', () => (this.#hover.hidden = true));
  }

  get state(): ViewState | undefined {
    return this.#state;
  }

  show(state: ViewState): void {
    this.#state = state;
    const { width, height } = state;
    if (this.canvas.width !== width || this.canvas.height !== height) {
      this.canvas.width = width;
      this.canvas.height = height;
    }
    this.#photoCanvas.width = width;
    this.#photoCanvas.height = height;
    this.#photoCanvas.getContext('2d')!.putImageData(state.photo, 0, 0);
    this.canvas.hidden = false;
    this.#placeholder.hidden = true;
    this.refreshLayer();
  }

  /** Rebuild the colour layer (after the mask or the hidden classes change) and draw. */
  refreshLayer(): void {
    const state = this.#state;
    if (!state) return;
    this.#layer = state.region
      ? regionVeil(state.region, state.width, state.height, this.#layer)
      : colourLayer(state.mask, state.width, state.height, this.palette, this.hidden, this.#layer);
    this.#layerCanvas.width = state.width;
    this.#layerCanvas.height = state.height;
    this.#layerCanvas.getContext('2d')!.putImageData(this.#layer, 0, 0);
    this.draw();
  }

  draw(): void {
    if (!this.#state) return;
    const context = this.#context;
    context.globalAlpha = 1;
    context.drawImage(this.#photoCanvas, 0, 0);
    // A region's veil is drawn whole: its alpha is the mask's, so soft edges show as they are.
    context.globalAlpha = this.#state.region ? 1 : this.opacity;
    context.drawImage(this.#layerCanvas, 0, 0);
    context.globalAlpha = 1;
    const boxes = this.#state.boxes ?? [];
    if (boxes.length > 0) {
      // Thick enough to see when a large photo is shown scaled down.
      context.lineWidth = Math.max(2, Math.round(Math.max(this.#state.width, this.#state.height) / 400));
      context.strokeStyle = '#ffd400';
      for (const box of boxes) context.strokeRect(box.x, box.y, box.width, box.height);
    }
  }

  clear(): void {
    this.#state = undefined;
    this.canvas.hidden = true;
    this.#hover.hidden = true;
    this.#placeholder.hidden = false;
  }

  /** The class under a point of the page, or undefined outside the photo. */
  classAt(clientX: number, clientY: number): { id: number; label: string; x: number; y: number } | undefined {
    const state = this.#state;
    if (!state) return undefined;
    const box = this.canvas.getBoundingClientRect();
    const x = Math.floor(((clientX - box.left) / box.width) * state.width);
    const y = Math.floor(((clientY - box.top) / box.height) * state.height);
    if (x < 0 || y < 0 || x >= state.width || y >= state.height) return undefined;
    const id = state.mask[y * state.width + x]!;
    return { id, label: state.labels[id] ?? `class ${id}`, x, y };
  }

  #showHover(event: PointerEvent): void {
    const hit = this.classAt(event.clientX, event.clientY);
    const state = this.#state;
    if (!hit || !state) {
      this.#hover.hidden = true;
      return;
    }
    let text = state.describe(hit.label);
    const confidence = state.confidence?.();
    if (confidence) text += ` · ${(confidence[hit.y * state.width + hit.x]! * 100).toFixed(0)}%`;
    this.#hover.textContent = text;
    this.#hover.dataset.classId = String(hit.id);
    const wrap = this.canvas.parentElement!.getBoundingClientRect();
    this.#hover.style.left = `${event.clientX - wrap.left + 12}px`;
    this.#hover.style.top = `${event.clientY - wrap.top + 12}px`;
    this.#hover.hidden = false;
  }
}

/** Dark where the region's alpha is 0, clear where it is 255 (85% at most, so the photo still shows). */
function regionVeil(region: Uint8Array, width: number, height: number, reuse: ImageData | undefined): ImageData {
  const layer = reuse && reuse.width === width && reuse.height === height ? reuse : new ImageData(width, height);
  const data = layer.data;
  for (let i = 0, q = 0; i < region.length; i++, q += 4) {
    data[q] = 16;
    data[q + 1] = 18;
    data[q + 2] = 24;
    data[q + 3] = Math.round((255 - region[i]!) * 0.85);
  }
  return layer;
}
