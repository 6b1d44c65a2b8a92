// webpack 5 defaults: entry ./src/index.js is named here only because the
// fixtures share src/main.js; nothing is needed for the .wasm (webpack emits
// it from index.js's new URL('./finesse-ha.wasm', import.meta.url)).
import { fileURLToPath } from 'node:url';

export default {
  entry: './src/main.js',
  output: { path: fileURLToPath(new URL('./dist', import.meta.url)), filename: 'main.js', clean: true },
};
