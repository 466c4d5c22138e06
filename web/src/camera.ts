/**
 * Live mode: camera frames parsed one after another (the next frame is taken when the model is
 * free, so slow machines drop frames instead of queueing them), probabilities smoothed over
 * frames so masks do not flicker, and frames per second measured over the last second.
 */
import type { FaceParseModule, FaceParser, WebParseResult } from './library.js';

export class CameraError extends Error {}

/** The camera stream, or a CameraError that says what to do. */
export async function openCamera(video: HTMLVideoElement): Promise<MediaStream> {
  if (!navigator.mediaDevices?.getUserMedia) {
    throw new CameraError('This page cannot use a camera: it needs a secure address (https:// or localhost) and a browser with camera support.');
  }
  let stream: MediaStream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { width: { ideal: 640 }, height: { ideal: 480 } }, audio: false });
  } catch (error) {
    const name = (error as DOMException).name;
    if (name === 'NotAllowedError' || name === 'SecurityError') {
      throw new CameraError('Camera permission was denied. Allow the camera for this site (the camera icon in the address bar) and press Start camera again.');
    }
    if (name === 'NotFoundError' || name === 'OverconstrainedError') throw new CameraError('No camera was found. Connect a camera, or open photos instead.');
    if (name === 'NotReadableError') throw new CameraError('The camera is in use by another program. Close it there and try again.');
    throw new CameraError(`The camera could not start (${(error as Error).message}).`);
  }
  video.srcObject = stream;
  await video.play();
  return stream;
}

export interface LiveFrame {
  result: WebParseResult;
  /** The smoothed label map. */
  mask: Uint8Array;
  fps: number;
}

export class LiveLoop {
  #running = false;
  #stream: MediaStream | undefined;
  #frameTimes: number[] = [];
  readonly #smoother: InstanceType<FaceParseModule['LiveSmoother']>;

  constructor(
    readonly library: FaceParseModule,
    readonly video: HTMLVideoElement,
  ) {
    this.#smoother = new library.LiveSmoother({ weight: 0.5 });
  }

  get running(): boolean {
    return this.#running;
  }

  async start(getParser: () => FaceParser | undefined, inputSize: () => number, onFrame: (frame: LiveFrame) => void, onError: (error: unknown) => void): Promise<void> {
    this.#stream = await openCamera(this.video);
    this.#running = true;
    this.#smoother.reset();
    this.#frameTimes = [];
    void (async () => {
      while (this.#running) {
        const parser = getParser();
        if (!parser || this.video.readyState < 2) {
          await new Promise((done) => setTimeout(done, 50));
          continue;
        }
        try {
          const result = await parser.parse(this.video, { faces: 'off', inputSize: inputSize() });
          if (!this.#running) break;
          const mask = this.#smoother.push(result);
          const now = performance.now();
          this.#frameTimes.push(now);
          while (this.#frameTimes.length > 1 && now - this.#frameTimes[0]! > 1000) this.#frameTimes.shift();
          const span = now - this.#frameTimes[0]!;
          const fps = this.#frameTimes.length > 1 ? ((this.#frameTimes.length - 1) * 1000) / span : 0;
          onFrame({ result, mask, fps });
        } catch (error) {
          this.stop();
          onError(error);
        }
        await new Promise((done) => requestAnimationFrame(done)); // let the page paint between frames
      }
    })();
  }

  /** Forget the smoothed past (e.g. after the live input size changes). */
  resetSmoothing(): void {
    this.#smoother.reset();
  }

  stop(): void {
    this.#running = false;
    for (const track of this.#stream?.getTracks() ?? []) track.stop();
    this.#stream = undefined;
    this.video.srcObject = null;
  }
}
