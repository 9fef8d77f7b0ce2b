/**
 * The layers of yhc and the direction imports may point (README, "Layout"): a module imports
 * only from its own layer or the layers listed before it, and no import cycle exists, type-only
 * imports included. `npm test` runs this (test/layers.test.ts); by hand:
 * `npx depcruise --config .dependency-cruiser.cjs src passes codegen`.
 */
const LAYERS = [
  {
    name: 'core',
    what: 'ONNX import/export, IR, op semantics, the interpreter, golden comparison rules',
    paths: ['^src/(errors|dtype|tensor|tensor_bytes|typed_arrays)[.]ts$', '^src/(onnx|ir|ops|interp|golden|util|preprocess)/'],
  },
  { name: 'passes', what: 'graph passes and their translation validation', paths: ['^passes/'] },
  { name: 'codegen', what: 'lowering, kernel generators, emitters, the compiler toolchain', paths: ['^codegen/'] },
  { name: 'runtime', what: 'the build directory format and the engine over its C ABI', paths: ['^src/runtime/', '^src/manifest[.]ts$'] },
  { name: 'driver', what: 'compile, inspect, decode loading, yhc check', paths: ['^src/(compile|compile_cache|inspect|decode)[.]ts$', '^src/check/'] },
  { name: 'cli', what: 'the yhc command and the package entry point', paths: ['^src/cli/', '^src/index[.]ts$'] },
];

const ALL_LAYERS = LAYERS.flatMap((l) => l.paths);

const layerRules = LAYERS.slice(0, -1).map((layer, i) => ({
  name: `${layer.name}-imports-no-higher-layer`,
  comment: `${layer.name} (${layer.what}) may not import from ${LAYERS.slice(i + 1).map((l) => l.name).join(', ')}`,
  severity: 'error',
  from: { path: layer.paths },
  to: { path: LAYERS.slice(i + 1).flatMap((l) => l.paths) },
}));

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'Import cycles (type-only ones included) tie modules together; break them by moving the shared piece down.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    ...layerRules,
    {
      name: 'every-module-has-a-layer',
      comment: 'A module of src/, passes/ or codegen/ outside every layer: add it to a layer in .dependency-cruiser.cjs (and the README).',
      severity: 'error',
      from: { path: '^(src|passes|codegen)/', pathNot: ALL_LAYERS },
      to: {},
    },
    {
      name: 'no-import-of-an-unlayered-module',
      severity: 'error',
      from: {},
      to: { path: '^(src|passes|codegen)/', pathNot: ALL_LAYERS },
    },
    {
      name: 'native-code-only-from-runtime-and-driver',
      comment: 'koffi (the FFI) and onnxruntime load native code: nothing below the runtime may reach them, directly or not.',
      severity: 'error',
      from: { path: LAYERS.slice(0, 3).flatMap((l) => l.paths) },
      to: { path: '(^|/)(koffi|onnxruntime-node)(/|$)', reachable: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^(dist|node_modules)/' },
  },
};
