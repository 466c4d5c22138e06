/** Downloads of a result: label PNG, colour PNG, overlay PNG, per-class masks (zip), JSON and the region mask. */
import { zipSync } from 'fflate';
import type { RegionMaskOptions, WebParseResult } from './library.js';

export function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export type DownloadKind = 'labels' | 'color' | 'overlay' | 'masks' | 'json' | 'region';

/** A region as picked in the panel: its name (for the file) and what regionMask takes. */
export interface PickedRegion {
  name: string;
  options: RegionMaskOptions;
}

export async function download(result: WebParseResult, kind: DownloadKind, stem: string, overlayAlpha: number, region?: PickedRegion): Promise<void> {
  if (kind === 'region') {
    if (!region) throw new Error('Pick a region first.');
    // the CLI's file name: anything but letters, digits, ., _ and - becomes _
    return saveBlob(await result.toRegionPng(region.options), `${stem}.region-${region.name.replace(/[^A-Za-z0-9._-]/g, '_')}.png`);
  }
  if (kind === 'labels') return saveBlob(await result.toLabelPng(), `${stem}.labels.png`);
  if (kind === 'color') return saveBlob(await result.toColorPng(), `${stem}.color.png`);
  if (kind === 'overlay') return saveBlob(await result.toOverlay({ alpha: overlayAlpha }), `${stem}.overlay.png`);
  if (kind === 'json') return saveBlob(new Blob([JSON.stringify(result.toJSON(), null, 2)], { type: 'application/json' }), `${stem}.json`);
  const masks = await result.toClassMasks();
  const files: Record<string, Uint8Array> = {};
  for (const mask of masks) files[`${stem}.masks/${mask.label}.png`] = new Uint8Array(await mask.png.arrayBuffer());
  // PNGs are already deflated: store them.
  saveBlob(new Blob([zipSync(files, { level: 0 }) as Uint8Array<ArrayBuffer>], { type: 'application/zip' }), `${stem}.masks.zip`);
}
