// Filled in by build.mjs from package.json; "dev" when running from source.
declare const __AGENT_VERSION__: string | undefined;

export const VERSION: string = typeof __AGENT_VERSION__ === 'string' ? __AGENT_VERSION__ : 'dev';
