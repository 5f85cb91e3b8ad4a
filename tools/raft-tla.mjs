#!/usr/bin/env node
// The `raft-tla` command (package.json's bin): registers tsx's loader in this
// process, so that the TypeScript of tools/ and src/ runs as it is, then
// hands over to raft-tla.ts beside it.
import { register } from 'tsx/esm/api';

register();
await import('./raft-tla.ts');
