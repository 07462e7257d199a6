// Imported first (a bare import) by main.js and worker.js: wraps WebAssembly's compile functions
// to count calls before xentropy's module (imported next) evaluates, in import order.
export const counter = { compiled: 0 };
const M = WebAssembly.Module;
WebAssembly.Module = class extends M {
  constructor(...args) {
    super(...args);
    counter.compiled++;
  }
};
for (const name of ['compile', 'instantiate', 'compileStreaming', 'instantiateStreaming']) {
  const f = WebAssembly[name];
  WebAssembly[name] = function (...args) {
    counter.compiled++;
    return f.apply(this, args);
  };
}
