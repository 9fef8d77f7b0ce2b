#!/usr/bin/env node
// The yhc command line; the implementation is compiled TypeScript in dist/ (npm run build).
import { main } from '../dist/src/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
