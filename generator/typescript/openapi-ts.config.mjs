// @hey-api/openapi-ts configuration for the TypeScript client in generated/typescript/.
// Run it through `regenerate.mjs` (`nox -s generate`), which writes into a temporary directory
// first and overrides `output.path`; never edit the output by hand.
import { defineConfig } from '@hey-api/openapi-ts';

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
