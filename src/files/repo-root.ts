// Where the project lives: the folder holding spec/, src/ and tools/, found
// from this file's own place (a scratch copy of the project has its own).
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
