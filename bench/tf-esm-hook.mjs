// bench only: tfjs-core's ES module build (dist/*.js) imports its own files without extensions and
// directories without index.js, which bundlers resolve and Node does not; resolve them as a bundler would
export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (e) {
    if (!/^\.\.?\//.test(specifier) || !context.parentURL?.includes('/@tensorflow/')) throw e;
    if (e.code === 'ERR_MODULE_NOT_FOUND') return next(`${specifier}.js`, context);
    if (e.code === 'ERR_UNSUPPORTED_DIR_IMPORT') return next(`${specifier}.js`, context);
    throw e;
  }
}
