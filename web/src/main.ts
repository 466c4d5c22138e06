/**
 * The faceparse web app: photos (open, drop, paste) and a live camera, parsed in the page by the
 * faceparse bundle; overlay, legend, class under the pointer, timings and downloads.
 */
import { CameraError, LiveLoop } from './camera.js';
import { download, type DownloadKind, type PickedRegion } from './downloads.js';
import { renderLegend } from './legend.js';
import { loadFaceparse, type FaceParseModule, type FaceParser, type FacesMode, type WebFaceParserOptions, type WebParseResult } from './library.js';
import { clearMessages, describeError, showMessage } from './messages.js';
import { registerOfflineSupport } from './offline.js';
import { Viewer } from './viewer.js';

interface Photo {
  name: string;
  file: Blob;
  thumbnail: string;
  result?: WebParseResult;
  error?: string;
  item: HTMLLIElement;
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const viewer = new Viewer();
const photos: Photo[] = [];
let current: Photo | undefined;
let parser: FaceParser | undefined;
let library: FaceParseModule;
let live: LiveLoop | undefined;
let liveResult: WebParseResult | undefined;
let queue: Promise<unknown> = Promise.resolve();

function describeLabel(label: string): string {
  return library ? library.describeLabel(label) : label.replace(/_/g, ' ');
}

// ---- region --------------------------------------------------------------------------------

/** The region picked in the panel, or undefined for none (the classes are shown). */
function pickedRegion(): PickedRegion | undefined {
  const preset = $<HTMLSelectElement>('region').value;
  if (!preset) return undefined;
  const grow = Number($<HTMLInputElement>('region-grow').value) || 0;
  const feather = Math.max(0, Number($<HTMLInputElement>('region-feather').value) || 0);
  if (preset !== 'custom') return { name: preset, options: { classes: preset, grow, feather } };
  const text = $<HTMLInputElement>('region-classes').value.trim();
  if (!text) return undefined;
  const classes = text
    .split(',')
    .map((c) => c.trim())
    .filter(Boolean);
  return { name: classes.join('+'), options: { classes, grow, feather } };
}

/** The picked region's mask of a result, or undefined (none picked, or names the model lacks: said in a message). */
function regionOf(result: WebParseResult): Uint8Array | undefined {
  clearMessages('region');
  const region = pickedRegion();
  if (!region) return undefined;
  try {
    return result.regionMask(region.options);
  } catch (error) {
    showMessage(describeError(error), 'warning', 'region');
    return undefined;
  }
}

function fillRegionChoices(): void {
  const select = $<HTMLSelectElement>('region');
  for (const name of [...Object.keys(library.REGION_PRESETS), 'custom']) {
    const option = document.createElement('option');
    option.value = name;
    option.textContent = name === 'custom' ? 'classes…' : `${name} (${library.REGION_PRESETS[name]!.map(describeLabel).join(', ')})`;
    select.append(option);
  }
}

function refreshRegion(): void {
  $('region-classes').hidden = $<HTMLSelectElement>('region').value !== 'custom';
  const result = live?.running ? liveResult : current?.result;
  const state = viewer.state;
  if (!result || !state) return;
  state.region = regionOf(result);
  setDownloads(result);
  viewer.refreshLayer();
}

function stemOf(name: string): string {
  return name.replace(/\.[^.]+$/, '') || 'photo';
}

// ---- model ---------------------------------------------------------------------------------

function modelOptions(): WebFaceParserOptions {
  const kind = $<HTMLSelectElement>('model-kind').value;
  const device = $<HTMLSelectElement>('device').value as 'wasm' | 'webgpu';
  const progress = $<HTMLProgressElement>('model-progress');
  const options: WebFaceParserOptions = {
    device,
    onProgress: ({ file, loaded, total, cached }) => {
      if (!file.endsWith('.onnx')) return;
      progress.hidden = false;
      progress.value = total ? loaded / total : 0;
      $('model-status').textContent =
        `${cached ? 'Reading' : 'Downloading'} ${file}: ${(loaded / 1e6).toFixed(1)}${total ? ` of ${(total / 1e6).toFixed(1)}` : ''} MB…`;
    },
  };
  if (kind === 'hub') {
    const id = $<HTMLInputElement>('model-id').value.trim();
    if (!id) throw new Error('Type a hub id such as jonathandinu/face-parsing, or pick the embedded model.');
    if (!navigator.onLine) throw new Error('The hub needs a connection; you are offline. Pick the embedded model or a local folder.');
    options.model = id;
  } else if (kind === 'url') {
    const url = $<HTMLInputElement>('model-url').value.trim();
    if (!url) throw new Error('Type the URL of a model folder (with config.json, preprocessor_config.json and onnx/).');
    options.model = url.endsWith('/') ? url : `${url}/`;
  } else if (kind === 'folder') {
    const files = $<HTMLInputElement>('model-folder').files;
    if (!files || files.length === 0) throw new Error('Choose a model folder (with config.json, preprocessor_config.json and onnx/).');
    options.model = library.localModelFolder(Array.from(files));
  }
  return options;
}

async function loadModel(): Promise<void> {
  const status = $('model-status');
  const button = $<HTMLButtonElement>('model-load');
  button.disabled = true;
  clearMessages('model');
  try {
    const options = modelOptions();
    status.textContent = 'Loading the model…';
    const next = await library.FaceParser.create(options);
    const previous = parser;
    parser = next;
    viewer.palette = library.paletteFor(next.labels);
    await previous?.close();
    const isolation = crossOriginIsolated ? '' : ' (one thread: this page is not cross-origin isolated)';
    status.textContent = `Model ${next.model} (${next.variant}), ${next.labels.length} classes, on ${next.device === 'webgpu' ? 'WebGPU' : `WebAssembly with ${next.threads} thread${next.threads > 1 ? 's' : ''}`}${isolation}.`;
    if (next.fallbackReason) showMessage(`No WebGPU: ${next.fallbackReason}. Running on the CPU (WebAssembly) instead.`, 'info', 'model');
    // The face detector loads now, while online, so photos parse face by face offline too.
    await next
      .loadFaceDetector()
      .catch((error: unknown) =>
        showMessage(`The face detector did not load (${describeError(error)}); photos will fail to parse until it does.`, 'warning', 'model'),
      );
    document.body.dataset.modelReady = 'true';
    live?.resetSmoothing();
    for (const photo of photos) photo.result = undefined;
    if (photos.length) enqueue(photos);
    else renderLegendFor(undefined);
  } catch (error) {
    status.textContent = parser ? `Still using ${parser.model}.` : 'No model loaded.';
    showMessage(`The model did not load: ${describeError(error)}`, 'error', 'model');
  } finally {
    $<HTMLProgressElement>('model-progress').hidden = true;
    button.disabled = false;
  }
}

// ---- photos --------------------------------------------------------------------------------

function addPhotos(files: Iterable<Blob>): void {
  const added: Photo[] = [];
  for (const file of files) {
    const name = file instanceof File && file.name ? file.name : `pasted-${photos.length + 1}.png`;
    const item = document.createElement('li');
    const photo: Photo = { name, file, thumbnail: URL.createObjectURL(file), item };
    const button = document.createElement('button');
    button.type = 'button';
    const thumb = document.createElement('img');
    thumb.src = photo.thumbnail;
    thumb.alt = '';
    thumb.addEventListener('error', () => thumb.remove());
    const label = document.createElement('span');
    label.textContent = name;
    button.append(thumb, label);
    button.addEventListener('click', () => select(photo));
    item.append(button);
    $('photo-list').append(item);
    photos.push(photo);
    added.push(photo);
  }
  if (added.length === 0) return;
  stopLive();
  select(added[0]!);
  enqueue(added);
}

function enqueue(list: Photo[]): void {
  queue = queue.then(async () => {
    for (const photo of list) {
      if (!parser) return;
      if (photo.result) continue;
      try {
        // faces 'auto' (the default): a face crop is parsed whole, any other photo face by face (boxes drawn).
        photo.result = await parser.parse(photo.file, parseOptions());
        photo.error = undefined;
      } catch (error) {
        photo.error = describeError(error);
      }
      markItem(photo);
      if (photo === current) showPhoto(photo);
    }
  });
}

function markItem(photo: Photo): void {
  photo.item.querySelector('.error')?.remove();
  if (photo.error) {
    const note = document.createElement('span');
    note.className = 'error';
    note.textContent = 'not readable';
    photo.item.querySelector('button')!.append(note);
  }
}

function select(photo: Photo): void {
  current = photo;
  for (const p of photos) p.item.querySelector('button')!.setAttribute('aria-current', String(p === photo));
  showPhoto(photo);
}

function showPhoto(photo: Photo): void {
  clearMessages('photo');
  if (photo.error) {
    viewer.clear();
    setDownloads(undefined);
    showMessage(`${photo.name}: ${photo.error}`, 'error', 'photo');
    return;
  }
  const result = photo.result;
  if (!result) {
    showMessage(`Parsing ${photo.name}…`, 'info', 'photo');
    return;
  }
  viewer.show({
    photo: result.toImageData(),
    mask: result.categoryMask,
    width: result.width,
    height: result.height,
    labels: result.labels,
    confidence: () => result.confidenceMask(),
    describe: describeLabel,
    boxes: result.faces.map((face) => face.box),
    region: regionOf(result),
  });
  document.body.dataset.shown = photo.name;
  document.body.dataset.faces = String(result.faces.length);
  renderLegendFor(result);
  renderTimings(result);
  setDownloads(result);
  warnIfNoFace(result, photo.name);
}

function warnIfNoFace(result: WebParseResult, name: string): void {
  // The detector's verdict: a face-by-face parse that found no face (its map is all background).
  if (result.parsedAs === 'faces' && result.faces.length === 0) {
    showMessage(
      `No face found in ${name}: the face detector found no face, so every pixel is background. faceparse needs a photo with a visible face.`,
      'warning',
      'photo',
    );
  }
}

// ---- panel ---------------------------------------------------------------------------------

function renderLegendFor(result: WebParseResult | undefined): void {
  const labels = result?.labels ?? parser?.labels ?? [];
  const shares = result ? new Map(result.summary().classes.map((c) => [c.id, c.share])) : undefined;
  const rows = labels.map((label, id) => ({ id, label, description: describeLabel(label), share: shares?.get(id) }));
  renderLegend($<HTMLUListElement>('legend'), rows, viewer.palette, viewer.hidden, (id) => {
    if (viewer.hidden.has(id)) viewer.hidden.delete(id);
    else viewer.hidden.add(id);
    viewer.refreshLayer();
    renderLegendFor(current?.result ?? liveResult);
  });
}

/** The face mode and flip of the page's controls, for photos and camera frames alike. */
function parseOptions(): { faces: FacesMode; flip: boolean } {
  return { faces: $<HTMLSelectElement>('faces-mode').value as FacesMode, flip: $<HTMLInputElement>('flip').checked };
}

/** After the face mode or flip changes: photos are parsed again, the camera starts its smoothing over. */
function parseOptionsChanged(): void {
  live?.resetSmoothing();
  for (const photo of photos) photo.result = undefined;
  if (photos.length && !live?.running) enqueue(photos);
}

function renderTimings(result: WebParseResult, fps?: number | null): void {
  const t = result.timings;
  const face = result.parsedAs === 'faces';
  const rows: Array<[string, number | string]> = [
    ['Decode', t.decode],
    ...(t.detect !== undefined ? [['Face detection', t.detect] as [string, number]] : []),
    [face ? 'Align faces' : 'Preprocess', t.preprocess],
    ['Model (worker)', t.inference],
    [face ? 'Paste back' : 'Upsample + arg-max', t.postprocess],
    ['Total', t.decode + (t.detect ?? 0) + t.preprocess + t.inference + t.postprocess],
  ];
  // null: live, but the rate is not known before the second frame.
  if (fps !== undefined) rows.push(['Frames per second', fps === null ? 'measuring…' : fps.toFixed(fps < 1 ? 2 : 1)]);
  $('timings')
    .querySelector('tbody')!
    .replaceChildren(
      ...rows.map(([name, value]) => {
        const row = document.createElement('tr');
        const a = document.createElement('td');
        a.textContent = name;
        const b = document.createElement('td');
        b.textContent = typeof value === 'number' ? `${value.toFixed(0)} ms` : value;
        row.append(a, b);
        return row;
      }),
    );
}

const DOWNLOADS: Array<[string, DownloadKind]> = [
  ['dl-labels', 'labels'],
  ['dl-color', 'color'],
  ['dl-overlay', 'overlay'],
  ['dl-masks', 'masks'],
  ['dl-json', 'json'],
  ['dl-region', 'region'],
];

function setDownloads(result: WebParseResult | undefined): void {
  for (const [id, kind] of DOWNLOADS) $<HTMLButtonElement>(id).disabled = !result || (kind === 'region' && !pickedRegion());
}

// ---- camera --------------------------------------------------------------------------------

function liveSize(): number {
  return Number($<HTMLSelectElement>('live-size').value);
}

async function toggleCamera(): Promise<void> {
  const button = $<HTMLButtonElement>('camera-toggle');
  if (live?.running) return stopLive();
  clearMessages('camera');
  live ??= new LiveLoop(library, $<HTMLVideoElement>('camera'));
  button.disabled = true;
  try {
    await live.start(
      () => parser,
      () => ({ inputSize: liveSize(), ...parseOptions() }),
      ({ result, mask, fps, settings }) => {
        liveResult = result;
        viewer.show({
          photo: result.toImageData(),
          mask,
          width: result.width,
          height: result.height,
          labels: result.labels,
          describe: describeLabel,
          boxes: result.faces.map((face) => face.box),
          region: regionOf(result),
        });
        document.body.dataset.liveParsedAs = result.parsedAs;
        document.body.dataset.liveFaces = String(result.faces.length);
        document.body.dataset.liveMode = `faces=${settings.faces} flip=${settings.flip}`;
        const fpsText = $('fps');
        fpsText.hidden = false;
        const how =
          result.parsedAs === 'faces'
            ? `, ${result.faces.length === 0 ? 'no face found' : `${result.faces.length} face${result.faces.length === 1 ? '' : 's'}`}`
            : '';
        fpsText.textContent =
          fps === undefined
            ? `Live: measuring frames per second at ${liveSize()} px input${how}`
            : `Live: ${fps.toFixed(fps < 1 ? 2 : 1)} frames per second at ${liveSize()} px input${how}`;
        fpsText.dataset.fps = fps === undefined ? '' : fps.toFixed(3);
        renderTimings(result, fps ?? null);
        setDownloads(result);
      },
      (error) => {
        showMessage(`The camera stopped: ${describeError(error)}`, 'error', 'camera');
        button.textContent = 'Start camera';
      },
    );
    current = undefined;
    for (const p of photos) p.item.querySelector('button')!.setAttribute('aria-current', 'false');
    button.textContent = 'Stop camera';
  } catch (error) {
    showMessage(error instanceof CameraError ? error.message : `The camera could not start: ${describeError(error)}`, 'error', 'camera');
  } finally {
    button.disabled = false;
  }
}

function stopLive(): void {
  if (!live?.running) return;
  live.stop();
  $('fps').hidden = true;
  $<HTMLButtonElement>('camera-toggle').textContent = 'Start camera';
}

// ---- wiring --------------------------------------------------------------------------------

function wire(): void {
  $<HTMLInputElement>('file-input').addEventListener('change', (event) => {
    const input = event.target as HTMLInputElement;
    addPhotos(Array.from(input.files ?? []));
    input.value = '';
  });
  const zone = $('drop-zone');
  document.addEventListener('dragover', (event) => {
    event.preventDefault();
    zone.classList.add('dragging');
  });
  document.addEventListener('dragleave', () => zone.classList.remove('dragging'));
  document.addEventListener('drop', (event) => {
    event.preventDefault();
    zone.classList.remove('dragging');
    addPhotos(Array.from(event.dataTransfer?.files ?? []));
  });
  document.addEventListener('paste', (event) => {
    const images = Array.from(event.clipboardData?.items ?? [])
      .filter((item) => item.kind === 'file')
      .map((item) => item.getAsFile())
      .filter((file): file is File => file !== null);
    if (images.length) addPhotos(images);
    else showMessage('The clipboard holds no image to parse. Copy a photo (not its address) and paste again.', 'warning', 'photo');
  });
  $('camera-toggle').addEventListener('click', () => void toggleCamera());
  $('live-size').addEventListener('change', () => live?.resetSmoothing());
  $('faces-mode').addEventListener('change', parseOptionsChanged);
  $('flip').addEventListener('change', parseOptionsChanged);
  const opacity = $<HTMLInputElement>('opacity');
  opacity.addEventListener('input', () => {
    viewer.opacity = Number(opacity.value);
    $('opacity-value').textContent = viewer.opacity.toFixed(2);
    viewer.draw();
  });
  viewer.opacity = Number(opacity.value);
  for (const id of ['region', 'region-classes', 'region-grow', 'region-feather']) $(id).addEventListener('change', refreshRegion);
  const kind = $<HTMLSelectElement>('model-kind');
  kind.addEventListener('change', () => {
    $('model-id').hidden = kind.value !== 'hub';
    $('model-url').hidden = kind.value !== 'url';
    $('model-folder').hidden = kind.value !== 'folder';
  });
  $('model-form').addEventListener('submit', (event) => {
    event.preventDefault();
    void loadModel();
  });
  for (const [id, kindOf] of DOWNLOADS) {
    $(id).addEventListener('click', async () => {
      const result = live?.running ? liveResult : current?.result;
      if (!result) return;
      const stem = live?.running ? 'camera' : stemOf(current!.name);
      try {
        await download(result, kindOf, stem, viewer.opacity, pickedRegion());
      } catch (error) {
        showMessage(`The download failed: ${describeError(error)}`, 'error', 'download');
      }
    });
  }
}

async function start(): Promise<void> {
  wire();
  registerOfflineSupport();
  try {
    library = await loadFaceparse();
    fillRegionChoices();
  } catch (error) {
    $('model-status').textContent = 'faceparse did not load.';
    showMessage(`faceparse/faceparse.js could not be loaded (${describeError(error)}); serve the whole app folder, faceparse/ included.`, 'error');
    return;
  }
  await loadModel();
}

void start();
