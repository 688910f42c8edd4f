#!/usr/bin/env node
// Build the agent.
//
//   node build.mjs            bundle src/main.ts → dist/tmsp-agent.cjs (+ dist/native/*.node), size report
//   node build.mjs --quiet    the same, without the report
//   node build.mjs --addons   build our addon (src/native/dgram) for the pinned Node if missing or stale
//   node build.mjs --docs     regenerate the README's configuration reference and JSON output tables
//   node build.mjs --target linux-x64|linux-arm64 [--no-size-report]
//                             the single executable for a board: dist/<target>/tmsp-agent
//
// The single executable is the pinned Node of the target architecture with a
// SEA blob injected (postject): the bundle as its main script, the two
// native addons as assets, and the daemon's V8 flags as execArgv. Without a
// code cache or snapshot the blob does not depend on the architecture, so the
// host's Node (the same pinned version) makes it for every target.
//
// The bundle is minified CommonJS (what a Node single-executable application
// runs); it must not contain test code or the portal, and the build checks it.

import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import zlib from 'node:zlib';

const root = path.dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    quiet: { type: 'boolean' }, addons: { type: 'boolean' }, docs: { type: 'boolean' },
    target: { type: 'string' }, 'no-size-report': { type: 'boolean' },
  },
});
const quiet = Boolean(args.quiet);
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

function bundleOptions(entry, outfile) {
  return {
    entryPoints: [entry],
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
  };
}

/** The rooms the portal shares with the agent; everything else of the portal's is under src/portal/. */
const SHARED = ['src/errors.ts', 'src/core/', 'src/settings/', 'src/native/', 'src/parse/', 'src/protocol/'];

/**
 * The report font beside the portal's bundle, in dist/fonts/, where
 * src/portal/reports/pdf/fonts.ts looks first (FONT_FILES there names the
 * same files): kept out of the bundle, which every start of the portal
 * parses, and read only when a PDF is made. The licence travels with them,
 * as it asks.
 */
const REPORT_FONTS = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'];

function copyReportFonts(dist) {
  const from = path.join(root, 'node_modules', 'dejavu-fonts-ttf');
  const to = path.join(dist, 'fonts');
  fs.rmSync(to, { recursive: true, force: true });
  fs.mkdirSync(to, { recursive: true });
  for (const f of REPORT_FONTS) fs.copyFileSync(path.join(from, 'ttf', f), path.join(to, f));
  fs.copyFileSync(path.join(from, 'LICENSE'), path.join(to, 'LICENSE'));
  const size = REPORT_FONTS.reduce((n, f) => n + fs.statSync(path.join(to, f)).size, 0);
  log(`dist/fonts/: ${REPORT_FONTS.join(', ')}, ${(size / 1024).toFixed(1)} KiB`);
}

/** dist/tmsp-portal.cjs: the portal, with the same native addons and the report font beside it, and nothing of the agent's rooms. */
async function bundlePortal(esbuild, dist) {
  const outfile = path.join(dist, 'tmsp-portal.cjs');
  const result = await esbuild.build(bundleOptions(path.join(root, 'src', 'portal', 'main.ts'), outfile));
  const inputs = Object.keys(result.metafile.inputs);
  const foreign = inputs.filter((f) => f.startsWith('test/') ||
    (f.startsWith('src/') && !f.startsWith('src/portal/') && !SHARED.some((s) => f.startsWith(s))));
  if (foreign.length > 0) throw new Error(`the portal bundle may hold only the portal and the shared rooms: ${foreign.join(', ')}`);
  fs.chmodSync(outfile, 0o755);
  copyReportFonts(dist);
  // npx finds the agent by the package's name; the portal's bin is linked where npx looks, so `npx tmsp-portal` works too.
  const bin = path.join(root, 'node_modules', '.bin', 'tmsp-portal');
  if (fs.existsSync(path.dirname(bin))) {
    fs.rmSync(bin, { force: true });
    fs.symlinkSync(path.relative(path.dirname(bin), outfile), bin);
  }
  log(`dist/tmsp-portal.cjs: ${(fs.statSync(outfile).size / 1024).toFixed(1)} KiB, ${inputs.filter((f) => f.startsWith('src/')).length} source files`);
  return inputs;
}

async function bundle() {
  const esbuild = await import('esbuild');
  const dist = path.join(root, 'dist');
  fs.rmSync(path.join(dist, 'native'), { recursive: true, force: true });
  fs.mkdirSync(path.join(dist, 'native'), { recursive: true });
  const outfile = path.join(dist, 'tmsp-agent.cjs');
  const result = await esbuild.build(bundleOptions(path.join(root, 'src', 'main.ts'), outfile));
  const inputs = Object.keys(result.metafile.inputs);
  const leaked = inputs.filter((f) => f.startsWith('test/') || f.startsWith('src/portal/'));
  if (leaked.length > 0) throw new Error(`the bundle must not contain test code or the portal: ${leaked.join(', ')}`);
  const portal = await bundlePortal(esbuild, dist);
  // What each bundle is made of, for the layout test that keeps the two programs apart.
  fs.writeFileSync(path.join(dist, 'bundle-inputs.json'), `${JSON.stringify({ agent: inputs, portal }, null, 1)}\n`);
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
  const { withJsonReference } = await import('./src/cli/json-output.ts');
  const { withPortalReference } = await import('./src/portal/config/reference.ts');
  const file = path.join(root, 'README.md');
  fs.writeFileSync(file, withPortalReference(withJsonReference(withReference(fs.readFileSync(file, 'utf8')))));
  log('README.md: configuration reference and JSON output regenerated');
  await reportPicture();
}

/**
 * docs/report-daily.png, the report page the README shows: the tests'
 * sample daily model (a day of 40 appliances, one of them silent, one
 * dropping), through the portal's own PDF rendering, page 1 drawn by
 * pdftoppm (poppler-utils).
 */
async function reportPicture() {
  const { sampleDaily } = await import('./test/helpers/report-models.ts');
  const { reportPdf } = await import('./src/portal/reports/pdf/pdf.ts');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tmsp-docs-'));
  try {
    const pdf = path.join(dir, 'daily.pdf');
    fs.writeFileSync(pdf, await reportPdf(sampleDaily()));
    execFileSync('pdftoppm', ['-png', '-r', '80', '-f', '1', '-l', '1', '-singlefile', pdf, path.join(dir, 'page')]);
    fs.mkdirSync(path.join(root, 'docs'), { recursive: true });
    fs.copyFileSync(path.join(dir, 'page.png'), path.join(root, 'docs', 'report-daily.png'));
    log('docs/report-daily.png: page 1 of the sample daily report');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Downloads and builds for other architectures are kept here, across clones. */
const CACHE = process.env.TMSP_AGENT_CACHE ?? path.join(os.homedir(), '.cache', 'tmsp-agent');

function run(cmd, argv, opts = {}) {
  execFileSync(cmd, argv, { stdio: quiet ? 'ignore' : 'inherit', ...opts });
}

/** node-linux-<arch> at the pinned version: the host's from node_modules, others from the npm registry. */
function targetNode(arch) {
  if (arch === process.arch) return pinnedNodeDir();
  const version = pkg.optionalDependencies[`node-linux-${arch}`];
  const dir = path.join(CACHE, `node-linux-${arch}-${version}`);
  if (!fs.existsSync(path.join(dir, 'bin', 'node'))) {
    fs.mkdirSync(CACHE, { recursive: true });
    const tgz = path.join(CACHE, `node-linux-${arch}-${version}.tgz`);
    if (!fs.existsSync(tgz)) run('npm', ['pack', `node-linux-${arch}@${version}`, '--pack-destination', CACHE]);
    fs.mkdirSync(dir, { recursive: true });
    run('tar', ['xzf', tgz, '-C', dir, '--strip-components=1']);
  }
  return dir;
}

const CROSS = { arm64: 'aarch64-linux-gnu' };

/** Our addon for the target: the host build, or a cross build against the target Node's headers. */
function dgramFor(arch) {
  if (arch === process.arch) {
    addons();
    return path.join(root, 'src', 'native', 'dgram', 'build', 'Release', 'tmsp_dgram.node');
  }
  const triple = CROSS[arch];
  if (!triple) throw new Error(`no cross compiler known for ${arch}`);
  const src = path.join(CACHE, `dgram-${arch}`);
  const out = path.join(src, 'build', 'Release', 'tmsp_dgram.node');
  const sources = ['dgram.c', 'binding.gyp'].map((f) => path.join(root, 'src', 'native', 'dgram', f));
  if (fs.existsSync(out) && fs.statSync(out).mtimeMs > Math.max(...sources.map((f) => fs.statSync(f).mtimeMs))) return out;
  fs.mkdirSync(src, { recursive: true });
  for (const f of sources) fs.copyFileSync(f, path.join(src, path.basename(f)));
  const env = { ...process.env, CC: `${triple}-gcc`, CXX: `${triple}-g++`, LINK: `${triple}-g++`, AR: `${triple}-ar`,
    CC_host: 'gcc', CXX_host: 'g++', LINK_host: 'g++' };
  delete env.npm_config_nodedir;
  run(process.execPath, [path.join(root, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'), 'rebuild', `--arch=${arch}`,
    `--nodedir=${targetNode(arch)}`, '--directory', src], { env });
  return out;
}

async function singleExecutable(target, sizeReport) {
  const [, arch] = /^linux-(x64|arm64)$/.exec(target) ?? [];
  if (!arch) throw new Error(`unknown target ${target}: linux-x64 or linux-arm64`);
  await bundle();
  const { DAEMON_NODE_FLAGS } = await import('./src/daemon/runtime.ts');
  const out = path.join(root, 'dist', target);
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });
  const exe = path.join(out, 'tmsp-agent');
  const blob = path.join(out, 'tmsp-agent.blob');
  const config = path.join(out, 'sea-config.json');
  fs.writeFileSync(config, JSON.stringify({
    main: path.join(root, 'dist', 'tmsp-agent.cjs'),
    output: blob,
    disableExperimentalSEAWarning: true,
    useSnapshot: false,
    useCodeCache: false,
    execArgv: DAEMON_NODE_FLAGS,
    assets: {
      'better_sqlite3.node': path.join(root, 'node_modules', 'better-sqlite3', 'prebuilds', `linux-${arch}.node`),
      'tmsp_dgram.node': dgramFor(arch),
    },
  }, null, 2));
  run(process.execPath, ['--experimental-sea-config', config]);
  fs.copyFileSync(path.join(targetNode(arch), 'bin', 'node'), exe);
  fs.chmodSync(exe, 0o755);
  // The symbol tables are a sixth of the binary and never used on a board (measured: no effect on RSS).
  const strip = arch === process.arch ? 'strip' : `${CROSS[arch]}-strip`;
  try {
    execFileSync(strip, ['--strip-all', exe], { stdio: 'ignore' });
  } catch {
    log(`(${strip} not found: the executable keeps its symbols)`);
  }
  run(process.execPath, [path.join(root, 'node_modules', 'postject', 'dist', 'cli.js'), exe, 'NODE_SEA_BLOB', blob,
    '--sentinel-fuse', 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2'], { stdio: 'ignore' });
  fs.rmSync(blob);
  const size = fs.statSync(exe).size;
  log(`dist/${target}/tmsp-agent: ${(size / 2 ** 20).toFixed(1)} MiB (execArgv ${DAEMON_NODE_FLAGS.join(' ')})`);
  if (sizeReport) {
    // What the firmware image stores: squashfs compresses with gzip or xz.
    const data = fs.readFileSync(exe);
    const gz = zlib.gzipSync(data, { level: 9 }).length;
    let xz = '';
    try {
      xz = `, xz -6 ${(execFileSync('xz', ['-6', '-T0', '-c'], { input: data, maxBuffer: 1 << 30 }).length / 2 ** 20).toFixed(1)} MiB`;
    } catch {
      xz = '';
    }
    log(`  compressed: gzip -9 ${(gz / 2 ** 20).toFixed(1)} MiB${xz}; bundle dist/tmsp-agent.cjs ${(fs.statSync(path.join(root, 'dist', 'tmsp-agent.cjs')).size / 1024).toFixed(0)} KiB`);
  }
}

if (args.target) await singleExecutable(args.target, !args['no-size-report']);
else if (args.addons) addons();
else if (args.docs) await docs();
else await bundle();
