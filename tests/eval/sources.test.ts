import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BISENET_LABELS } from '../../src/datasets/labelSets.js';
import { openPredictionFolders } from '../../src/datasets/predictionFolders.js';
import type { Dataset } from '../../src/datasets/types.js';
import { modelSamples, predictionFolderSamples, type Prediction } from '../../src/eval/sources.js';
import { CELEBAMASK_HQ_LABELS } from '../../src/base/labels.js';
import { tempDir, writeLabelPng } from '../datasets/helpers.js';

const hq = (name: string) => CELEBAMASK_HQ_LABELS.indexOf(name as (typeof CELEBAMASK_HQ_LABELS)[number]);
const bisenet = (name: string) => BISENET_LABELS.indexOf(name as (typeof BISENET_LABELS)[number]);

function fakeDataset(ids: string[]): Dataset {
  return {
    layout: 'paired-folders',
    root: '/data',
    labels: CELEBAMASK_HQ_LABELS,
    samples: ids.map((id) => ({
      id,
      imagePath: `/data/images/${id}.jpg`,
      targetSource: `/data/masks/${id}.png`,
      loadImage: async () => `/data/images/${id}.jpg`,
      loadTarget: async () => ({ width: 2, height: 1, mask: Uint8Array.from([hq('hair'), hq('nose')]) }),
    })),
  };
}

describe('modelSamples', () => {
  it('maps a model whose classes are in another order onto the dataset ids by name', async () => {
    const seen: unknown[] = [];
    const predict = async (image: unknown): Promise<Prediction> => {
      seen.push(image);
      return { labels: BISENET_LABELS, width: 2, height: 1, categoryMask: Uint8Array.from([bisenet('hair'), bisenet('nose')]) };
    };
    const [first] = modelSamples(fakeDataset(['a']), predict);
    const prediction = await first.loadPrediction();
    expect(Array.from(prediction.mask)).toEqual([hq('hair'), hq('nose')]);
    expect(seen).toEqual(['/data/images/a.jpg']);
    expect(first.predictionSource).toBe('model output for /data/images/a.jpg');
  });

  it('refuses ids the model does not define and masks of the wrong length', async () => {
    const tooHigh = async (): Promise<Prediction> => ({ labels: ['background', 'skin'], width: 2, height: 1, categoryMask: Uint8Array.from([0, 5]) });
    await expect(modelSamples(fakeDataset(['a']), tooHigh)[0].loadPrediction()).rejects.toThrow(
      /class ids 5 \(1 px\) are out of range: the label set has 2 classes/,
    );
    const short = async (): Promise<Prediction> => ({ labels: ['background'], width: 2, height: 2, categoryMask: Uint8Array.from([0]) });
    await expect(modelSamples(fakeDataset(['a']), short)[0].loadPrediction()).rejects.toThrow(/returned a 1-pixel mask for a 2x2 result/);
  });
});

describe('predictionFolderSamples', () => {
  const dir = tempDir();

  it('reads predictions in another class order (--pred-labels bisenet) as ground-truth ids', async () => {
    writeLabelPng(join(dir, 'pred', 'x.png'), Uint8Array.from([bisenet('l_brow'), bisenet('cloth')]), 2, 1);
    writeLabelPng(join(dir, 'gt', 'x.png'), Uint8Array.from([hq('l_brow'), hq('cloth')]), 2, 1);
    const pairs = await openPredictionFolders(join(dir, 'pred'), join(dir, 'gt'));
    const [asIs] = predictionFolderSamples(pairs, { labels: CELEBAMASK_HQ_LABELS });
    expect(Array.from((await asIs.loadPrediction()).mask)).toEqual([bisenet('l_brow'), bisenet('cloth')]);
    const [mapped] = predictionFolderSamples(pairs, { labels: CELEBAMASK_HQ_LABELS, predictionLabels: BISENET_LABELS });
    expect(Array.from((await mapped.loadPrediction()).mask)).toEqual([hq('l_brow'), hq('cloth')]);
    expect(Array.from((await mapped.loadTarget()).mask)).toEqual([hq('l_brow'), hq('cloth')]);
  });
});
