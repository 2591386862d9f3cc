#!/usr/bin/env node
// Launches src/main.ts through tsx (internal packages ship TypeScript, there is no build step).
// tsx is resolved from this package's own node_modules, so the command works from any directory.
// tsx caches its transforms on disk (os.tmpdir()/tsx-<uid>); on Node >= 22.8 V8's compile cache is enabled too
// (a no-op on Node 20; NODE_DISABLE_COMPILE_CACHE=1 turns it off).
import module from 'node:module';
import { register } from 'tsx/esm/api';

module.enableCompileCache?.();
register();
await import(new URL('../src/main.ts', import.meta.url).href);
