// Run by test/runtimes.test.ts in each runtime, from an app folder where `xentropy` is installed:
// both entries through `import`, the browser suite on each, printed as one line of JSON.
import * as wasm from 'xentropy';
import * as js from 'xentropy/js';
import { encode } from './report.js';
import { runSuite } from './suite.js';

const runtime = globalThis.Deno
  ? `Deno ${Deno.version.deno}`
  : process.versions.bun
    ? `Bun ${process.versions.bun}`
    : `Node ${process.versions.node}`;
console.log(encode({ runtime, float16Array: typeof Float16Array === 'function', wasm: runSuite(wasm), js: runSuite(js) }));
