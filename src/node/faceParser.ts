/**
 * The Node library's FaceParser: the shared pipeline (src/pipeline/faceParser.ts) with the Node
 * `create`, which finds the model (folder, hub cache or download) and starts it on onnxruntime-node.
 */
import { FaceParser as PipelineFaceParser, optionsObject } from '../pipeline/faceParser.js';
import { checkParserOptions, type FaceParserOptions } from '../pipeline/options.js';

export class FaceParser extends PipelineFaceParser {
  /**
   * Resolve the model (folder, cache or download), read and check its configs, start the session.
   * The model runs on its own thread (see `inferenceThread`).
   */
  static async create(options: FaceParserOptions = {}): Promise<FaceParser> {
    const checked = optionsObject(options, 'FaceParser.create');
    // The counts and limits are checked before the model loads (the constructor checks them again for fromLoaded).
    checkParserOptions(checked);
    // Imported here, not at the top: importing the library loads no native code (sharp, onnxruntime).
    const { loadNodeModel } = await import('./loadModel.js');
    return new FaceParser(await loadNodeModel(checked), checked);
  }
}
