// The agent's CLI output: core/out.ts with the agent's exit codes.

import { createOutWith, type Out } from '../core/out.ts';
import { EXIT } from './exit-codes.ts';

export { writeOut, type Out } from '../core/out.ts';

export function createOut(json: boolean): Out {
  return createOutWith(json, EXIT);
}
