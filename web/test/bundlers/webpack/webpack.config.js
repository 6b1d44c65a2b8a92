// Only where the fixtures keep their code (src/main.js, not webpack's default
// src/index.js) and their output. Nothing for the .wasm: webpack emits it as
// an asset from index.js's new URL('./finesse-ha.wasm', import.meta.url).
import { fileURLToPath } from 'node:url';

export default {
  entry: './src/main.js',
  output: { path: fileURLToPath(new URL('./dist', import.meta.url)), filename: 'main.js', clean: true },
};
