// esbuild --inject for the classic-script build (finesse-ha.global.js): a
// classic script has no import.meta, so import.meta.url is defined as this,
// the URL of the script itself, read while it runs (document.currentScript is
// null later). index.js then finds finesse-ha.wasm next to the script.
export const scriptURL =
  (typeof document !== 'undefined' && document.currentScript && document.currentScript.src) || globalThis.location.href;
