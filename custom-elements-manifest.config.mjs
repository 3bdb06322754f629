// @custom-elements-manifest/analyzer configuration: `npm run analyze` regenerates
// custom-elements.json (committed: it is part of the package's public face).
export default {
  globs: ['src/**/*.ts'],
  exclude: ['src/**/*.test.ts'],
  litelement: true,
  dependencies: false,
  packagejson: true,
};
