#!/usr/bin/env node
// Launches src/main.ts through tsx (internal packages ship TypeScript, there is no build step).
// tsx is resolved from this package's own node_modules, so the command works from any directory.
import { register } from 'tsx/esm/api';

register();
await import(new URL('../src/main.ts', import.meta.url).href);
