// As esm.mjs, but CommonJS: both entries through a synchronous require() of the ES module.
const wasm = require('xentropy');
const js = require('xentropy/js');

Promise.all([import('./suite.js'), import('./report.js')]).then(([{ runSuite }, { encode }]) => {
  const runtime = globalThis.Deno
    ? `Deno ${Deno.version.deno}`
    : process.versions.bun
      ? `Bun ${process.versions.bun}`
      : `Node ${process.versions.node}`;
  console.log(encode({ runtime, float16Array: typeof Float16Array === 'function', wasm: runSuite(wasm), js: runSuite(js) }));
});
