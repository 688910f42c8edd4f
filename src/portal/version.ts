// Filled in by build.mjs from package.json (the two programs ship together); "dev" from source.
declare const __AGENT_VERSION__: string | undefined;

export const PORTAL_VERSION: string = typeof __AGENT_VERSION__ === 'string' ? __AGENT_VERSION__ : 'dev';
