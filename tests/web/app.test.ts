/**
 * The web app (dist/app) in headless Chromium, served statically with COOP/COEP: open a photo ->
 * the overlay is shown -> each download works; an unreadable file and a denied camera give their
 * messages; the fake camera runs live mode with frames per second shown; the legend hides a class;
 * the class under the pointer is named; offline reload still parses. Screenshots go to
 * FACEPARSE_SCREENS (default /tmp/faceparse-screens). Needs /usr/bin/chromium and dist/app
 * (npm run build); skips saying so otherwise.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { unzipSync } from 'fflate';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissing, collectPageErrors, launchChromium } from '../../bench/browser/chromium.js';
import { startStaticServer, type StaticServer } from '../../bench/browser/staticServer.js';
import { CELEBAMASK_HQ_LABELS } from '../../src/base/labels.js';
import { paletteFor } from '../../src/visualize/palette.js';

const APP = resolve('dist', 'app');
const PHOTOS = resolve('..', 'shared', 'data', 'photos');
const SCREENS = process.env.FACEPARSE_SCREENS ?? '/tmp/faceparse-screens';
const PHOTO = join(PHOTOS, 'pexels-ingrid-santana-2100063.jpg');
const missing =
  chromiumMissing() ||
  (existsSync(join(APP, 'index.html')) ? '' : 'dist/app is absent (npm run build)') ||
  (existsSync(PHOTO) ? '' : '../shared/data/photos is absent');

async function openApp(context: BrowserContext, url: string): Promise<{ page: Page; errors: string[] }> {
  const page = await context.newPage();
  const errors = collectPageErrors(page);
  await page.goto(url);
  await page.waitForSelector('body[data-model-ready="true"]', { timeout: 60_000 });
  return { page, errors };
}

async function downloadBytes(page: Page, button: string): Promise<{ name: string; bytes: Buffer }> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.click(button)]);
  const path = await download.path();
  const { readFile } = await import('node:fs/promises');
  return { name: download.suggestedFilename(), bytes: await readFile(path!) };
}

describe.skipIf(missing !== '')(`web app${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let server: StaticServer;
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(SCREENS, { recursive: true });
    server = await startStaticServer({ mounts: { '/': APP } });
    browser = await launchChromium({ fakeCamera: true });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('open a photo -> overlay shown -> downloads work; legend, hover and messages', async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, acceptDownloads: true });
    const { page, errors } = await openApp(context, `${server.url}/`);
    expect(await page.textContent('#model-status')).toMatch(/face-parsing-mini.*q8.*WebAssembly with \d+ thread/);

    await page.setInputFiles('#file-input', PHOTO);
    await page.waitForSelector('body[data-shown="pexels-ingrid-santana-2100063.jpg"]', { timeout: 60_000 });
    const shown = await page.evaluate(() => {
      const canvas = document.getElementById('viewer') as HTMLCanvasElement;
      return { hidden: canvas.hidden, width: canvas.width, height: canvas.height, legend: document.querySelectorAll('#legend button').length };
    });
    expect(shown).toEqual({ hidden: false, width: 1280, height: 1919, legend: 19 });
    // The screenshot shows the tinted photo where the viewer is (not a blank or unpainted canvas).
    const shot = await page.screenshot({ path: join(SCREENS, 'app-photo.png') });
    const view = (await page.locator('#viewer').boundingBox())!;
    const region = await sharp(shot)
      .extract({ left: Math.round(view.x), top: Math.round(view.y), width: Math.round(view.width), height: Math.round(view.height) })
      .stats();
    expect(Math.min(...region.channels.slice(0, 3).map((c) => c.stdev))).toBeGreaterThan(20);

    // The overlay is drawn: the canvas differs from the photo alone once opacity > 0.
    const tinted = await page.evaluate(() => {
      const canvas = document.getElementById('viewer') as HTMLCanvasElement;
      const read = () => canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      const withOverlay = read();
      const slider = document.getElementById('opacity') as HTMLInputElement;
      slider.value = '0';
      slider.dispatchEvent(new Event('input'));
      const plain = read();
      slider.value = '0.6';
      slider.dispatchEvent(new Event('input'));
      let differ = 0;
      for (let i = 0; i < plain.length; i += 4) if (plain[i] !== withOverlay[i] || plain[i + 1] !== withOverlay[i + 1]) differ++;
      return differ / (plain.length / 4);
    });
    // Parsed face by face: outside the face's crop is background (untinted), so a portrait's share is the head and shoulders.
    expect(tinted).toBeGreaterThan(0.1);
    expect(await page.textContent('#messages')).not.toMatch(/No face found/);
    // The face detector's one face, outlined on the overlay.
    expect(await page.getAttribute('body', 'data-faces')).toBe('1');

    // The class under the pointer.
    const box = (await page.locator('#viewer').boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height * 0.3);
    await page.waitForSelector('#hover:not([hidden])');
    expect(await page.textContent('#hover')).toMatch(/\w+ · \d+%/);

    // Hiding a class in the legend.
    const skin = page.locator('#legend button[data-class-id="1"]');
    await skin.click();
    expect(await page.locator('#legend button[data-class-id="1"]').getAttribute('aria-pressed')).toBe('false');
    await page.locator('#legend button[data-class-id="1"]').click();

    const labels = await downloadBytes(page, '#dl-labels');
    expect(labels.name).toBe('pexels-ingrid-santana-2100063.labels.png');
    const meta = await sharp(labels.bytes).metadata();
    expect([meta.width, meta.height, meta.channels]).toEqual([1280, 1919, 1]);
    const { data: ids } = await sharp(labels.bytes).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
    expect(ids.length).toBe(1280 * 1919);
    expect(Math.max(...new Set(ids))).toBeLessThan(19);

    // The colour PNG is Node's: the map in the palette's colours, the legend drawn beside it.
    const color = await downloadBytes(page, '#dl-color');
    const colorRaw = await sharp(color.bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    expect(colorRaw.info.height).toBe(1919);
    expect(colorRaw.info.width).toBeGreaterThan(1280);
    const palette = paletteFor([...CELEBAMASK_HQ_LABELS]);
    let wrong = 0;
    for (let y = 0; y < 1919; y += 7) {
      for (let x = 0; x < 1280; x += 7) {
        const id = ids[y * 1280 + x]!;
        const p = (y * colorRaw.info.width + x) * 3;
        if (colorRaw.data[p] !== palette[id]![0] || colorRaw.data[p + 1] !== palette[id]![1] || colorRaw.data[p + 2] !== palette[id]![2]) wrong++;
      }
    }
    expect(wrong).toBe(0);
    const overlay = await downloadBytes(page, '#dl-overlay');
    expect(overlay.name).toBe('pexels-ingrid-santana-2100063.overlay.png');

    const masks = await downloadBytes(page, '#dl-masks');
    const entries = Object.keys(unzipSync(new Uint8Array(masks.bytes)));
    expect(entries.length).toBeGreaterThan(3);
    expect(entries).toContain('pexels-ingrid-santana-2100063.masks/hair.png');

    const json = JSON.parse((await downloadBytes(page, '#dl-json')).bytes.toString('utf8'));
    expect(json).toMatchObject({ width: 1280, height: 1919, variant: 'q8' });
    expect(json.classes.reduce((sum: number, c: { pixels: number }) => sum + c.pixels, 0)).toBe(1280 * 1919);

    // An unsupported file is named in a message, and the app goes on.
    await page.setInputFiles('#file-input', { name: 'notes.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('this is not a photo') });
    await page.waitForSelector('.message.error');
    expect(await page.textContent('.message.error')).toMatch(/notes\.jpg: That file is not a photo this browser can read/);

    // A photo with no face in it.
    const wall = await sharp({ create: { width: 320, height: 240, channels: 3, background: { r: 40, g: 90, b: 200 } } })
      .png()
      .toBuffer();
    await page.setInputFiles('#file-input', { name: 'blue-wall.png', mimeType: 'image/png', buffer: wall });
    await page.waitForSelector('body[data-shown="blue-wall.png"]', { timeout: 60_000 });
    expect(await page.textContent('#messages')).toMatch(/No face found in blue-wall\.png/);
    expect(await page.getAttribute('body', 'data-faces')).toBe('0');

    // Several photos at once.
    const more = readdirSync(PHOTOS)
      .filter((f) => f.startsWith('mona') || f.startsWith('pakutaso'))
      .map((f) => join(PHOTOS, f));
    await page.setInputFiles('#file-input', more);
    await page.waitForSelector('body[data-shown="mona-lisa.jpg"]', { timeout: 60_000 });
    expect(await page.locator('#photo-list li').count()).toBe(5);
    await page.screenshot({ path: join(SCREENS, 'app-photos.png'), fullPage: true });

    // Paste and drop, as the browser delivers them (a DataTransfer holding a file).
    const pasteAndDrop = await page.evaluate(async () => {
      const blob = await (await fetch(document.querySelector<HTMLImageElement>('#photo-list img')!.src)).blob();
      const paste = new DataTransfer();
      paste.items.add(new File([blob], 'pasted.jpg', { type: blob.type }));
      document.dispatchEvent(new ClipboardEvent('paste', { clipboardData: paste }));
      const drop = new DataTransfer();
      drop.items.add(new File([blob], 'dropped.jpg', { type: blob.type }));
      document.dispatchEvent(new DragEvent('drop', { dataTransfer: drop, bubbles: true, cancelable: true }));
      return Array.from(document.querySelectorAll('#photo-list li span')).map((s) => s.textContent);
    });
    expect(pasteAndDrop.slice(-2)).toEqual(['pasted.jpg', 'dropped.jpg']);
    await page.waitForSelector('body[data-shown="dropped.jpg"]', { timeout: 60_000 });

    // Timings per stage are shown.
    expect(await page.textContent('#timings')).toMatch(/Decode\s*\d+ ms.*Model \(worker\)\s*\d+ ms/s);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('pick a region -> see it -> download it: the mask of its classes, then grown and feathered', { timeout: 300_000 }, async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, acceptDownloads: true });
    const { page, errors } = await openApp(context, `${server.url}/`);
    await page.setInputFiles('#file-input', PHOTO);
    await page.waitForSelector('body[data-shown="pexels-ingrid-santana-2100063.jpg"]', { timeout: 60_000 });
    expect(await page.isDisabled('#dl-region')).toBe(true);
    const canvasMean = () =>
      page.evaluate(() => {
        const canvas = document.getElementById('viewer') as HTMLCanvasElement;
        const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
        let sum = 0;
        for (let i = 0; i < data.length; i += 4) sum += data[i]!;
        return sum / (data.length / 4);
      });
    const before = await canvasMean();
    // The options name each preset's classes in words.
    expect(await page.textContent('#region')).toMatch(/face \(skin, nose, left eye, right eye, left brow/);
    await page.selectOption('#region', 'hair');
    // The photo outside the hair is veiled: the view darkens.
    expect(await canvasMean()).toBeLessThan(before * 0.8);
    await page.screenshot({ path: join(SCREENS, 'app-region.png') });

    const labels = await downloadBytes(page, '#dl-labels');
    const { data: ids } = await sharp(labels.bytes).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
    const hair = await downloadBytes(page, '#dl-region');
    expect(hair.name).toBe('pexels-ingrid-santana-2100063.region-hair.png');
    const { data: mask, info } = await sharp(hair.bytes).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([1280, 1919]);
    let wrong = 0;
    for (let i = 0; i < mask.length; i++) if (mask[i] !== (ids[i] === 13 ? 255 : 0)) wrong++;
    expect(wrong).toBe(0);

    await page.fill('#region-grow', '6');
    await page.fill('#region-feather', '8');
    await page.dispatchEvent('#region-feather', 'change');
    const soft = await downloadBytes(page, '#dl-region');
    const { data: softMask } = await sharp(soft.bytes).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
    let between = 0;
    let lost = 0;
    for (let i = 0; i < softMask.length; i++) {
      if (softMask[i]! > 0 && softMask[i]! < 255) between++;
      if (ids[i] === 13 && softMask[i] !== 255) lost++;
    }
    expect(between).toBeGreaterThan(0);
    expect(lost).toBe(0); // grown by 6 with a ramp of 8: every hair pixel stays fully in

    // Classes typed by name, human names too; an unknown one is a message, not a crash.
    await page.selectOption('#region', 'custom');
    await page.fill('#region-classes', 'upper lip, l_lip');
    await page.dispatchEvent('#region-classes', 'change');
    expect((await downloadBytes(page, '#dl-region')).name).toBe('pexels-ingrid-santana-2100063.region-upper_lip_l_lip.png');
    await page.fill('#region-classes', 'beard');
    await page.dispatchEvent('#region-classes', 'change');
    await page.waitForSelector('.message.warning');
    expect(await page.textContent('.message.warning')).toMatch(/no class or preset "beard"/);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('camera live mode: frames per second shown; the overlay follows the camera', async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, permissions: ['camera'] });
    const { page, errors } = await openApp(context, `${server.url}/`);
    await page.selectOption('#live-size', '256');
    await page.click('#camera-toggle');
    await page.waitForFunction(() => Number(document.getElementById('fps')?.dataset.fps ?? 0) > 0, undefined, { timeout: 60_000 });
    expect(await page.textContent('#fps')).toMatch(/Live: \d+\.\d+ frames per second at 256 px input/);
    expect(await page.evaluate(() => (document.getElementById('viewer') as HTMLCanvasElement).width)).toBe(640);
    await page.screenshot({ path: join(SCREENS, 'app-camera.png') });
    await page.click('#camera-toggle');
    expect(await page.textContent('#camera-toggle')).toBe('Start camera');
    expect(errors).toEqual([]);
    await context.close();
  });

  /** The timings table's rows, name -> value. */
  const timingsOf = (page: Page) =>
    page.evaluate(() =>
      Object.fromEntries(Array.from(document.querySelectorAll('#timings tr')).map((row) => [row.children[0]!.textContent, row.children[1]!.textContent])),
    );

  it('camera: the face mode and flip controls apply to the frames; face-by-face frames show a detection row', async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, permissions: ['camera'] });
    const { page, errors } = await openApp(context, `${server.url}/`);
    expect(await page.inputValue('#faces-mode')).toBe('auto'); // the library's default
    expect(await page.isChecked('#flip')).toBe(false);
    await page.selectOption('#live-size', '256');
    await page.selectOption('#faces-mode', 'off');
    await page.click('#camera-toggle');
    await page.waitForSelector('body[data-live-mode="faces=off flip=false"]', { timeout: 60_000 });
    expect(await page.getAttribute('body', 'data-live-parsed-as')).toBe('photo');
    const whole = await timingsOf(page);
    expect(Object.keys(whole)).toEqual(['Decode', 'Preprocess', 'Model (worker)', 'Upsample + arg-max', 'Total', 'Frames per second']);

    // Face by face (the fake camera's moving test pattern: now and then the detector takes a shape
    // of it for a face, so the line says what it found, whatever that is).
    await page.selectOption('#faces-mode', 'on');
    await page.check('#flip');
    await page.waitForSelector('body[data-live-mode="faces=on flip=true"]', { timeout: 60_000 });
    expect(await page.getAttribute('body', 'data-live-parsed-as')).toBe('faces');
    const found = Number(await page.getAttribute('body', 'data-live-faces'));
    const faces = await timingsOf(page);
    expect(Object.keys(faces)).toEqual(['Decode', 'Face detection', 'Align faces', 'Model (worker)', 'Paste back', 'Total', 'Frames per second']);
    expect(faces['Face detection']).toMatch(/^\d+ ms$/);
    expect(await page.textContent('#fps')).toMatch(found === 0 ? /, no face found$/ : new RegExp(`, ${found} faces?$`));
    await page.click('#camera-toggle');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('camera: frames slower than a second still give their rate, not 0.0', async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, permissions: ['camera'] });
    const { page, errors } = await openApp(context, `${server.url}/`);
    // Slow every frame down to well over a second: the page waits for a promise between frames.
    await page.evaluate(() => {
      const raf = window.requestAnimationFrame.bind(window);
      window.requestAnimationFrame = (callback) => {
        const started = (globalThis as unknown as { liveStarted?: boolean }).liveStarted;
        if (!started) return raf(callback);
        return window.setTimeout(() => raf(callback), 1500) as unknown as number;
      };
    });
    await page.selectOption('#live-size', '256');
    await page.selectOption('#faces-mode', 'off');
    await page.evaluate(() => ((globalThis as unknown as { liveStarted?: boolean }).liveStarted = true));
    await page.click('#camera-toggle');
    await page.waitForFunction(() => (document.getElementById('fps')?.dataset.fps ?? '') !== '', undefined, { timeout: 60_000 });
    const fps = Number(await page.getAttribute('#fps', 'data-fps'));
    expect(fps).toBeGreaterThan(0); // "0.0" was what the app showed for frames slower than a second
    expect(fps).toBeLessThanOrEqual(1 / 1.5); // at most one frame every 1.5 s
    expect(await page.textContent('#fps')).toMatch(/^Live: 0\.\d\d frames per second/);
    expect(await page.textContent('#fps')).not.toMatch(/^Live: 0\.00 /);
    expect((await timingsOf(page))['Frames per second']).toMatch(/^0\.\d\d$/);
    await page.click('#camera-toggle');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('camera with a face: face by face, the face found and outlined in every frame', async () => {
    // A camera that films a portrait: Chromium plays an MJPEG file as its fake camera.
    const frame = await sharp(PHOTO).resize(640, 480, { fit: 'contain', background: '#808080' }).jpeg({ quality: 90 }).toBuffer();
    const video = join(mkdtempSync(join(tmpdir(), 'faceparse-camera-')), 'portrait.mjpeg');
    writeFileSync(video, Buffer.concat([frame, frame, frame]));
    const filming = await launchChromium({ fakeCamera: true, extraArgs: [`--use-file-for-fake-video-capture=${video}`] });
    try {
      const context = await filming.newContext({ viewport: { width: 1400, height: 900 }, permissions: ['camera'] });
      const { page, errors } = await openApp(context, `${server.url}/`);
      await page.selectOption('#live-size', '256');
      await page.selectOption('#faces-mode', 'on');
      await page.click('#camera-toggle');
      await page.waitForSelector('body[data-live-mode="faces=on flip=false"]', { timeout: 60_000 });
      expect(await page.getAttribute('body', 'data-live-parsed-as')).toBe('faces');
      expect(await page.getAttribute('body', 'data-live-faces')).toBe('1');
      expect(await page.textContent('#fps')).toMatch(/, 1 face$/);
      await page.screenshot({ path: join(SCREENS, 'app-camera-face.png') });
      await page.click('#camera-toggle');
      expect(errors).toEqual([]);
      await context.close();
    } finally {
      await filming.close();
      rmSync(dirname(video), { recursive: true, force: true });
    }
  });

  it('a denied camera gives a message that says what to do', async () => {
    const context = await browser.newContext();
    const { page } = await openApp(context, `${server.url}/`);
    // Deny as a user would: the fake-UI flag grants, so deny through the permission override.
    await context.clearPermissions();
    await page.evaluate(() => {
      navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));
    });
    await page.click('#camera-toggle');
    await page.waitForSelector('.message.error');
    expect(await page.textContent('.message.error')).toMatch(/Camera permission was denied\. Allow the camera/);
    await context.close();
  });

  it('WebGPU asked for where there is none: runs on WebAssembly and says why', async () => {
    const context = await browser.newContext();
    const { page, errors } = await openApp(context, `${server.url}/`);
    await page.selectOption('#device', 'webgpu');
    await page.click('#model-load');
    await page.waitForSelector('.message.info', { timeout: 60_000 });
    expect(await page.textContent('.message.info')).toMatch(/^No WebGPU: .+\. Running on the CPU \(WebAssembly\) instead\./);
    expect(await page.textContent('#model-status')).toMatch(/WebAssembly/);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('works offline once loaded', async () => {
    const context = await browser.newContext();
    const { page } = await openApp(context, `${server.url}/`);
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null || navigator.serviceWorker.ready.then(() => true), undefined, {
      timeout: 30_000,
    });
    await page.evaluate(() => navigator.serviceWorker.ready);
    // The worker caches what it serves once it controls the page: one reload while online fills it.
    await page.reload();
    await page.waitForSelector('body[data-model-ready="true"]', { timeout: 60_000 });
    await context.setOffline(true);
    await page.reload();
    await page.waitForSelector('body[data-model-ready="true"]', { timeout: 60_000 });
    await page.setInputFiles('#file-input', PHOTO);
    await page.waitForSelector('body[data-shown="pexels-ingrid-santana-2100063.jpg"]', { timeout: 60_000 });
    await context.close();
  });
});
