// @hey-api/openapi-ts configuration for the TypeScript client in generated/typescript/.
// Run it through `regenerate.mjs` (`nox -s generate`), which writes into a temporary directory
// first and overrides `output.path`; never edit the output by hand.
import { defineConfig, reserved } from '@hey-api/openapi-ts';

// Workaround for hey-api/hey-api#3481: a schema named `File` is emitted as `type File`, which
// then shadows the platform's `File` in the `Blob | File` it writes for `format: binary`, so the
// upload's `file` would be typed as our file metadata. Reserving the name makes the schema's
// type `File_` and leaves `File` to mean the platform's.
reserved.type.set((names) => [...names, 'File']);

export default defineConfig({
  input: '../../spec/openapi.yaml',
  output: {
    path: '../../generated/typescript',
    // Explicit `.js` import specifiers: the output then runs under Node's own ESM loader
    // (`moduleResolution: NodeNext`) as well as under any bundler, without a resolver plugin.
    module: { extension: '.js' },
  },
  // Error logs go to stderr only: a crash must not leave a logs folder in the tree.
  logs: { file: false, level: 'warn' },
  plugins: [
    // The fetch client: no runtime dependency beyond the platform's `fetch`.
    '@hey-api/client-fetch',
    '@hey-api/typescript',
    '@hey-api/sdk',
  ],
});
