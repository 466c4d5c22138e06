/**
 * The checks a SegFormer ONNX file must pass on load, on onnxruntime's session metadata (the same
 * shape in onnxruntime-node and onnxruntime-web): one image input of rank 4 with 3 channels,
 * float32 or float16; a rank-4 logits output with as many channels as config.json has labels.
 * Pure, so every platform's session gives the same messages.
 */
import { FaceParseError } from '../../base/errors.js';

export type TensorMetadata = { name: string; isTensor: boolean; type?: string; shape?: ReadonlyArray<number | string> };

export interface ModelIo {
  inputName: string;
  outputName: string;
  inputType: 'float32' | 'float16';
}

export function checkModelIo(inputs: readonly TensorMetadata[], outputs: readonly TensorMetadata[], numLabels: number, model: string): ModelIo {
  const input = inputs.find((m) => m.name === 'pixel_values') ?? (inputs.length === 1 ? inputs[0] : undefined);
  if (!input) {
    throw new FaceParseError('MODEL_INVALID', `${model} has inputs [${inputs.map((m) => m.name).join(', ')}]; expected one image input named pixel_values`);
  }
  if (input.shape && input.shape.length !== 4) {
    throw new FaceParseError('MODEL_INVALID', `${model}: input ${input.name} has rank ${input.shape.length}; expected 4 (batch, 3, height, width)`);
  }
  if (input.shape && typeof input.shape[1] === 'number' && input.shape[1] !== 3) {
    throw new FaceParseError('MODEL_INVALID', `${model}: input ${input.name} has ${input.shape[1]} channels; expected 3 (RGB)`);
  }
  if (input.type && input.type !== 'float32' && input.type !== 'float16') {
    throw new FaceParseError('MODEL_INVALID', `${model}: input ${input.name} is ${input.type}; expected float32 or float16 pixel values`);
  }
  const output = outputs.find((m) => m.name === 'logits') ?? outputs[0];
  if (!output) throw new FaceParseError('MODEL_INVALID', `${model} has no outputs`);
  if (output.shape && output.shape.length !== 4) {
    throw new FaceParseError(
      'MODEL_INVALID',
      `${model}: output ${output.name} has rank ${output.shape.length}; expected 4 (batch, classes, height/4, width/4)`,
    );
  }
  const declaredClasses = output.shape?.[1];
  if (typeof declaredClasses === 'number' && declaredClasses !== numLabels) {
    throw new FaceParseError(
      'MODEL_INVALID',
      `${model} outputs ${declaredClasses} classes but config.json's id2label has ${numLabels}; the ONNX file and config.json belong to different models`,
    );
  }
  return { inputName: input.name, outputName: output.name, inputType: input.type === 'float16' ? 'float16' : 'float32' };
}
