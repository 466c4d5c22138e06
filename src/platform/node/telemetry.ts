/**
 * onnxruntime-node (1.30) has telemetry on by default: on every run outside CI it writes an empty
 * `mat-debug-<pid>.log` and a `.ses` file into the temp folder, and creates or updates
 * `~/.cache/Microsoft/DeveloperTools/.onnxruntime/` (a device id and an SQLite database with the
 * OS, the node path and device details). A library must not write outside the folders it is given,
 * nor record a user's device unasked, so faceparse turns it off before the native library loads by
 * setting `ORT_DISABLE_TELEMETRY=1`, the switch onnxruntime reads.
 *
 * To leave onnxruntime's telemetry on, set `FACEPARSE_ORT_TELEMETRY=1`; an `ORT_DISABLE_TELEMETRY`
 * the user set already is left as it is.
 *
 * Imported (for its effect) before `onnxruntime-node` by the modules that load it, and by the one
 * that starts the inference thread: the native library reads the process environment, which only
 * the main thread's `process.env` writes reach.
 */
export function disableOnnxruntimeTelemetry(env: NodeJS.ProcessEnv = process.env): void {
  if (env.FACEPARSE_ORT_TELEMETRY === '1') return;
  if (env.ORT_DISABLE_TELEMETRY !== undefined && env.ORT_DISABLE_TELEMETRY !== '') return;
  env.ORT_DISABLE_TELEMETRY = '1';
}

disableOnnxruntimeTelemetry();
