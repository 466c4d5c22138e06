/**
 * Live mode: camera frames parsed one after another (the next frame is taken when the model is
 * free, so slow machines drop frames instead of queueing them) with the page's face mode and flip,
 * smoothed over frames so masks do not flicker (the library's LiveSmoother), and frames per second
 * measured over about the last second (its FrameRateMeter: right for frames slower than a second too).
 */
import type { FaceParseModule, FaceParser, FacesMode, WebParseResult } from './library.js';

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
  /** Frames per second; undefined until the second frame. */
  fps: number | undefined;
  /** How this frame was parsed. */
  settings: LiveSettings;
}

/** How each frame is parsed, read again before every frame so the page's controls apply at once. */
export interface LiveSettings {
  inputSize: number;
  faces: FacesMode;
  flip: boolean;
}

export class LiveLoop {
  #running = false;
  #stream: MediaStream | undefined;
  readonly #smoother: InstanceType<FaceParseModule['LiveSmoother']>;
  readonly #rate: InstanceType<FaceParseModule['FrameRateMeter']>;

  constructor(
    readonly library: FaceParseModule,
    readonly video: HTMLVideoElement,
  ) {
    this.#smoother = new library.LiveSmoother({ weight: 0.5 });
    this.#rate = new library.FrameRateMeter();
  }

  get running(): boolean {
    return this.#running;
  }

  async start(
    getParser: () => FaceParser | undefined,
    settings: () => LiveSettings,
    onFrame: (frame: LiveFrame) => void,
    onError: (error: unknown) => void,
  ): Promise<void> {
    this.#stream = await openCamera(this.video);
    this.#running = true;
    this.#smoother.reset();
    this.#rate.reset();
    void (async () => {
      while (this.#running) {
        const parser = getParser();
        if (!parser || this.video.readyState < 2) {
          await new Promise((done) => setTimeout(done, 50));
          continue;
        }
        try {
          const used = settings();
          const result = await parser.parse(this.video, used);
          if (!this.#running) break;
          const mask = this.#smoother.push(result);
          onFrame({ result, mask, fps: this.#rate.frame(performance.now()), settings: used });
        } catch (error) {
          this.stop();
          onError(error);
        }
        await new Promise((done) => requestAnimationFrame(done)); // let the page paint between frames
      }
    })();
  }

  /** Forget the smoothed past and the frame rate (e.g. after the input size, face mode or flip changes). */
  resetSmoothing(): void {
    this.#smoother.reset();
    this.#rate.reset();
  }

  stop(): void {
    this.#running = false;
    for (const track of this.#stream?.getTracks() ?? []) track.stop();
    this.#stream = undefined;
    this.video.srcObject = null;
  }
}
