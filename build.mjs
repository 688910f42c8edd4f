#!/usr/bin/env node
// Build the agent.
//
//   node build.mjs            bundle src/main.ts → dist/tmsp-agent.cjs (+ dist/native/*.node), size report
//   node build.mjs --quiet    the same, without the report
//   node build.mjs --addons   build our addon (src/native/dgram) for the pinned Node if missing or stale
//   node build.mjs --docs     regenerate the README's configuration reference from the schema
//
// The bundle is minified CommonJS (what a Node single-executable application
// runs); it must not contain test code or the portal, and the build checks it.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

const root = path.dirname(fileURLToPath(import.meta.url));
const args = new Set(process.argv.slice(2));
const quiet = args.has('--quiet');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const log = (s) => quiet || process.stdout.write(`${s}\n`);

/** The pinned Node lives in node_modules/node-linux-<arch>: bin/node and include/node side by side. */
function pinnedNodeDir() {
  return path.join(root, 'node_modules', `node-linux-${process.arch}`);
}

function loads(file) {
  try {
    execFileSync(process.execPath, ['-e', `process.dlopen({exports:{}}, ${JSON.stringify(file)})`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Build our own addon (src/native/dgram) against the pinned Node's headers when it is missing or stale. */
function addons() {
  const want = pkg.optionalDependencies[`node-linux-${process.arch}`];
  if (process.version !== `v${want}`) {
    throw new Error(`build runs on Node ${process.version}, the pin is ${want}: run it through npm (npm run build) so the pinned Node is used`);
  }
  const dir = path.join(root, 'src', 'native', 'dgram');
  const built = path.join(dir, 'build', 'Release', 'tmsp_dgram.node');
  const sources = ['dgram.c', 'binding.gyp'].map((f) => fs.statSync(path.join(dir, f)).mtimeMs);
  if (fs.existsSync(built) && fs.statSync(built).mtimeMs > Math.max(...sources) && loads(built)) {
    log('tmsp_dgram: up to date');
    return;
  }
  log(`tmsp_dgram: building against ${pinnedNodeDir()}/include`);
  execFileSync(process.execPath, [path.join(root, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'), 'rebuild',
    `--nodedir=${pinnedNodeDir()}`, '--directory', dir], { stdio: quiet ? 'ignore' : 'inherit' });
  if (!loads(built)) throw new Error('tmsp_dgram was built but does not load');
}

function nativeFiles() {
  const bs = path.join(root, 'node_modules', 'better-sqlite3');
  const sqlite = [path.join(bs, 'build', 'Release', 'better_sqlite3.node'), path.join(bs, 'prebuilds', `linux-${process.arch}.node`)]
    .find((f) => fs.existsSync(f));
  return {
    better_sqlite3: sqlite,
    tmsp_dgram: path.join(root, 'src', 'native', 'dgram', 'build', 'Release', 'tmsp_dgram.node'),
  };
}

async function bundle() {
  const esbuild = await import('esbuild');
  const dist = path.join(root, 'dist');
  fs.rmSync(path.join(dist, 'native'), { recursive: true, force: true });
  fs.mkdirSync(path.join(dist, 'native'), { recursive: true });
  const outfile = path.join(dist, 'tmsp-agent.cjs');
  const result = await esbuild.build({
    entryPoints: [path.join(root, 'src', 'main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node24',
    minify: true,
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
    banner: { js: '#!/usr/bin/env node\nconst __importMetaUrl=require("url").pathToFileURL(__filename).href;' },
    define: { 'import.meta.url': '__importMetaUrl', __AGENT_VERSION__: JSON.stringify(pkg.version) },
    // ssh2's optional native speed-ups: it falls back to Node's crypto when they are absent.
    external: ['cpu-features', '*/sshcrypto.node'],
  });
  const inputs = Object.keys(result.metafile.inputs);
  const leaked = inputs.filter((f) => f.startsWith('test/') || f.startsWith('src/portal/'));
  if (leaked.length > 0) throw new Error(`the bundle must not contain test code or the portal: ${leaked.join(', ')}`);
  fs.chmodSync(outfile, 0o755);
  for (const [name, file] of Object.entries(nativeFiles())) {
    if (!file || !fs.existsSync(file)) throw new Error(`native addon ${name} is missing; run: node build.mjs --addons`);
    fs.copyFileSync(file, path.join(dist, 'native', `${name}.node`));
  }
  const js = fs.readFileSync(outfile);
  const gz = zlib.gzipSync(js, { level: 9 }).length;
  const xz = (() => {
    try {
      return execFileSync('xz', ['-9', '-c'], { input: js, maxBuffer: 64 << 20 }).length;
    } catch {
      return undefined;
    }
  })();
  const ours = inputs.filter((f) => f.startsWith('src/'));
  const byPkg = new Map();
  for (const [f, v] of Object.entries(result.metafile.outputs[path.relative(root, outfile)]?.inputs ?? {})) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(f);
    const k = m ? m[1] : 'src';
    byPkg.set(k, (byPkg.get(k) ?? 0) + v.bytesInOutput);
  }
  log(`dist/tmsp-agent.cjs: ${(js.length / 1024).toFixed(1)} KiB (gzip -9 ${(gz / 1024).toFixed(1)} KiB` +
    `${xz ? `, xz -9 ${(xz / 1024).toFixed(1)} KiB` : ''}), ${ours.length} source files`);
  for (const [k, v] of [...byPkg].sort((a, b) => b[1] - a[1])) log(`  ${k.padEnd(24)} ${(v / 1024).toFixed(1).padStart(8)} KiB`);
  for (const f of fs.readdirSync(path.join(dist, 'native'))) {
    log(`dist/native/${f}: ${(fs.statSync(path.join(dist, 'native', f)).size / 1024).toFixed(1)} KiB`);
  }
}

async function docs() {
  const { withReference } = await import('./src/config/reference.ts');
  const file = path.join(root, 'README.md');
  fs.writeFileSync(file, withReference(fs.readFileSync(file, 'utf8')));
  log('README.md: configuration reference regenerated');
}

if (args.has('--addons')) addons();
else if (args.has('--docs')) await docs();
else await bundle();
