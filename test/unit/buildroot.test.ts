// The checkout is a Buildroot external tree (BR2_EXTERNAL=<checkout>), read
// here the way Buildroot reads it, without Buildroot: external.desc names the
// tree TMSP; the Config.in it sources defines BR2_PACKAGE_TMSP_AGENT, offered
// only with a toolchain the executable runs with (and a comment otherwise);
// external.mk's wildcard finds the package's .mk; the .mk is a generic package
// under one variable prefix, at package.json's version, that installs exactly
// what rootfs-overlay/ holds (so the package and the overlay route give the
// board the same files), each from a file that exists, only the board's init
// system's own init file, and the executable from the path the build writes,
// kept out of Buildroot's strip.

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const TREE = process.cwd();
const read = (p: string): string => fs.readFileSync(path.join(TREE, p), 'utf8');
const pkgJson = JSON.parse(read('package.json')) as { version: string; scripts: Record<string, string> };

// --- external.desc, as support/scripts/br2-external reads it -----------------

function descField(field: string): string | undefined {
  return new RegExp(`^${field}: +(.*)$`, 'm').exec(read('external.desc'))?.[1];
}
const NAME = descField('name') ?? '';
const PATH_VAR = `BR2_EXTERNAL_${NAME}_PATH`;

// --- the package's .mk, as make reads it ------------------------------------

const PKG_DIR = 'package/tmsp-agent';
const MK_FILE = `${PKG_DIR}/tmsp-agent.mk`;
// Buildroot takes the package's name from its directory, the prefix from the name.
const PREFIX = path.basename(PKG_DIR).toUpperCase().replace(/-/g, '_');

interface Assignment { name: string; op: string; value: string; when: string | undefined }

function parseMk(text: string) {
  const lines = text.replace(/\\\n\s*/g, ' ').split('\n');
  const assignments: Assignment[] = [];
  const blocks = new Map<string, string[]>();
  let block: string[] | undefined;
  let when: string | undefined;
  for (const raw of lines) {
    const line = raw.trimEnd();
    if (block) {
      if (line === 'endef') block = undefined;
      else if (line.trim()) block.push(line.trim());
      continue;
    }
    if (!line || line.startsWith('#')) continue;
    let m: RegExpExecArray | null;
    if ((m = /^define\s+([A-Za-z0-9_]+)$/.exec(line))) blocks.set(m[1], (block = []));
    else if ((m = /^(?:else\s+)?ifeq\s+\(\$\((\w+)\),y\)$/.exec(line))) when = m[1];
    else if (line === 'endif') when = undefined;
    else if ((m = /^([A-Za-z0-9_]+)\s*(\?=|:=|\+=|=)\s*(.*)$/.exec(line))) assignments.push({ name: m[1], op: m[2], value: m[3], when });
  }
  return { lines, assignments, blocks };
}

const mkText = read(MK_FILE);
const mk = parseMk(mkText);
const value = (name: string): string | undefined => mk.assignments.find((a) => a.name === name && a.when === undefined)?.value;

/** What the install commands put on the target, by target path. */
interface Installed { kind: 'file' | 'dir' | 'link'; from: string; mode?: number; block: string }

function installs(): Map<string, Installed> {
  const out = new Map<string, Installed>();
  const put = (dest: string, what: Installed) => {
    expect(out.has(dest), `${dest} is installed twice`).toBe(false);
    out.set(dest, what);
  };
  const target = (t: string) => {
    expect(t, `installs outside $(TARGET_DIR): ${t}`).toMatch(/^\$\(TARGET_DIR\)\//);
    return t.slice('$(TARGET_DIR)'.length);
  };
  for (const [block, cmds] of mk.blocks) {
    for (const cmd of cmds) {
      const t = cmd.split(/\s+/);
      if (t[0] === '$(INSTALL)') {
        const mode = parseInt(t[t.indexOf('-m') + 1], 8);
        if (t.includes('-d')) {
          for (const d of t.slice(t.indexOf('-m') + 2)) put(target(d), { kind: 'dir', from: '', mode, block });
        } else {
          put(target(t[t.length - 1]), { kind: 'file', from: t[t.length - 2], mode, block });
        }
      } else if (t[0] === 'ln') {
        put(target(t[t.length - 1]), { kind: 'link', from: t[t.length - 2], block });
      }
    }
  }
  return out;
}

/** A site path ($(@D)/x or $(TMSP_AGENT_SITE)/x) as a path in the checkout, or undefined. */
function sitePath(from: string): string | undefined {
  return /^\$\((?:@D|TMSP_AGENT_SITE)\)\/(.+)$/.exec(from)?.[1];
}

// --- Kconfig -------------------------------------------------------------------

/** The entry that starts with `head` (a `config` or `comment` line): its `depends on` expressions. */
function kconfigEntry(text: string, head: RegExp): { body: string[]; depends: string[] } | undefined {
  const lines = text.replace(/\\\n\s*/g, ' ').split('\n');
  const start = lines.findIndex((l) => head.test(l));
  if (start < 0) return undefined;
  const body: string[] = [];
  for (const l of lines.slice(start + 1)) {
    if (/^\S/.test(l)) break;
    body.push(l);
  }
  const depends = body.map((l) => /^\s*depends on\s+(.*?)\s*(#.*)?$/.exec(l)?.[1]).filter((d): d is string => !!d);
  return { body, depends };
}

/** Evaluates a Kconfig boolean expression (symbols, !, &&, ||, parentheses). */
function evaluate(expr: string, y: Set<string>): boolean {
  const tokens = expr.match(/\|\||&&|!|\(|\)|[A-Za-z0-9_]+/g) ?? [];
  let i = 0;
  const or = (): boolean => { let v = and(); while (tokens[i] === '||') { i++; v = and() || v; } return v; };
  const and = (): boolean => { let v = not(); while (tokens[i] === '&&') { i++; v = not() && v; } return v; };
  const not = (): boolean => {
    const t = tokens[i++];
    if (t === '!') return !not();
    if (t === '(') { const v = or(); i++; return v; }
    return y.has(t);
  };
  const v = or();
  expect(i, `could not read "${expr}"`).toBe(tokens.length);
  return v;
}

const SYMBOL = `BR2_PACKAGE_${PREFIX}`;

describe('the checkout as a Buildroot external tree', () => {
  it('is named TMSP in external.desc, with a description, so the tree is $(BR2_EXTERNAL_TMSP_PATH)', () => {
    expect(NAME).toMatch(/^[A-Za-z0-9_]+$/);
    expect(NAME).toBe('TMSP');
    expect(descField('desc')).toBeTruthy();
  });

  it('has a Config.in whose every source exists once the tree path is put in, and one of them defines the package', () => {
    const sources = [...read('Config.in').matchAll(/^\s*source\s+"([^"]+)"/gm)].map((m) => m[1]);
    expect(sources.length).toBeGreaterThan(0);
    const defined: string[] = [];
    for (const s of sources) {
      expect(s.startsWith(`$${PATH_VAR}/`), `${s} is not under $${PATH_VAR}`).toBe(true);
      const file = s.replace(`$${PATH_VAR}`, TREE);
      expect(file, `${s} names another variable`).not.toContain('$');
      expect(fs.existsSync(file), `${s} does not exist`).toBe(true);
      defined.push(...[...fs.readFileSync(file, 'utf8').matchAll(/^config\s+(\w+)/gm)].map((m) => m[1]));
    }
    expect(defined).toContain(SYMBOL);
  });

  it('has an external.mk whose wildcard includes the package, from a directory named like its .mk', () => {
    const m = /^include \$\(sort \$\(wildcard (\S+)\)\)$/m.exec(read('external.mk'));
    expect(m, 'external.mk does not include $(sort $(wildcard ...))').not.toBeNull();
    const pattern = m![1].replace(`$(${PATH_VAR})`, TREE);
    expect(pattern).not.toContain('$');
    const found = fs.globSync(pattern).map((f) => path.relative(TREE, f));
    expect(found).toContain(MK_FILE);
    for (const f of found) expect(path.basename(f, '.mk')).toBe(path.basename(path.dirname(f)));
  });
});

describe('the tmsp-agent package: Config.in', () => {
  const text = read(`${PKG_DIR}/Config.in`);
  const config = kconfigEntry(text, new RegExp(`^config ${SYMBOL}$`));
  const comment = kconfigEntry(text, /^comment "/);

  it('defines the symbol Buildroot derives from the package name, as a bool with help that says how to build the executable', () => {
    expect(config).toBeDefined();
    expect(config!.body.some((l) => /^\s*bool\s+"tmsp-agent"/.test(l))).toBe(true);
    const help = config!.body.join('\n');
    expect(help).toMatch(/^\s*help$/m);
    expect(help).toContain('npm ci && npm run build:arm64');
    expect(help).toContain('npm ci && npm run build:x64');
  });

  it('depends on a glibc toolchain and on aarch64 or x86_64', () => {
    expect(config!.depends).toContain('BR2_TOOLCHAIN_USES_GLIBC');
    expect(config!.depends).toContain('BR2_aarch64 || BR2_x86_64');
  });

  it('shows its comment exactly when the architecture fits and the toolchain does not', () => {
    expect(comment).toBeDefined();
    const symbols = [...new Set([...config!.depends, ...comment!.depends].join(' ').match(/BR2_\w+/g))];
    const others = symbols.filter((s) => s !== 'BR2_aarch64' && s !== 'BR2_x86_64');
    for (const arch of ['BR2_aarch64', 'BR2_x86_64', 'BR2_arm']) {
      for (let bits = 0; bits < 1 << others.length; bits++) {
        const y = new Set([arch, ...others.filter((_, i) => bits & (1 << i))]);
        const offered = config!.depends.every((d) => evaluate(d, y));
        const commented = comment!.depends.every((d) => evaluate(d, y));
        const fits = arch !== 'BR2_arm';
        const label = [...y].join(' ');
        expect(offered && commented, `both offered and commented: ${label}`).toBe(false);
        expect(offered || commented, `neither offered nor commented: ${label}`).toBe(fits);
        if (!y.has('BR2_TOOLCHAIN_USES_GLIBC')) expect(offered, `offered without glibc: ${label}`).toBe(false);
      }
    }
  });
});

describe('the tmsp-agent package: tmsp-agent.mk', () => {
  it(`names every variable it sets and uses with the package prefix ${PREFIX}_, and ends with $(eval $(generic-package))`, () => {
    // The one variable of Buildroot's own it appends to (see the strip test below).
    const buildroots = new Set(['BR2_STRIP_EXCLUDE_FILES']);
    const set = [...mk.assignments.map((a) => a.name), ...mk.blocks.keys()];
    for (const name of set) if (!buildroots.has(name)) expect(name).toMatch(new RegExp(`^${PREFIX}_[A-Z0-9_]+$`));
    const used = [...mkText.matchAll(/\$\((TMSP\w*)\)/g)].map((m) => m[1]);
    for (const name of used) expect(set, `$(${name}) is used but never set`).toContain(name);
    expect(mk.lines.filter((l) => l.trim()).at(-1)).toBe('$(eval $(generic-package))');
  });

  it("is at package.json's version, from the tree itself (local site)", () => {
    expect(value(`${PREFIX}_VERSION`)).toBe(pkgJson.version);
    expect(value(`${PREFIX}_SITE`)).toBe(`$(${PATH_VAR})`);
    expect(value(`${PREFIX}_SITE_METHOD`)).toBe('local');
    expect(value(`${PREFIX}_LICENSE`)).toBeTruthy();
  });

  it('installs from the site only files that exist and that its rsync copies into the build directory', () => {
    const keep = [...(value(`${PREFIX}_OVERRIDE_SRCDIR_RSYNC_EXCLUSIONS`) ?? '').matchAll(/--include='\/([^']+)\/\*\*\*'/g)].map((m) => m[1]);
    let n = 0;
    for (const [dest, what] of installs()) {
      if (what.kind !== 'file' || what.from === `$(${PREFIX}_EXE)`) continue;
      const p = sitePath(what.from);
      expect(p, `${dest} comes from ${what.from}, not from the site`).toBeDefined();
      expect(fs.existsSync(path.join(TREE, p!)), `${p} does not exist`).toBe(true);
      if (keep.length) expect(keep.some((k) => p!.startsWith(`${k}/`)), `${p} is not copied by the rsync exclusions`).toBe(true);
      n++;
    }
    expect(n).toBeGreaterThan(0);
  });

  it('installs exactly what rootfs-overlay/ holds, with the same modes and link targets (a .keep stands for its directory)', () => {
    const want = new Map<string, string>();
    const walk = (rel: string) => {
      for (const e of fs.readdirSync(path.join(TREE, 'rootfs-overlay', rel), { withFileTypes: true })) {
        const r = path.posix.join(rel, e.name);
        const abs = path.join(TREE, 'rootfs-overlay', r);
        if (e.isDirectory()) walk(r);
        else if (e.isSymbolicLink()) want.set(`/${r}`, `link → ${fs.readlinkSync(abs)}`);
        else if (e.name === '.keep') want.set(`/${rel}`, 'dir');
        else want.set(`/${r}`, `file ${fs.statSync(abs).mode & 0o111 ? '755' : '644'} from rootfs-overlay/${r}`);
      }
    };
    walk('');
    const got = new Map<string, string>();
    for (const [dest, w] of installs()) {
      if (w.from === `$(${PREFIX}_EXE)`) continue;
      if (w.kind === 'dir') got.set(dest, 'dir');
      else if (w.kind === 'link') got.set(dest, `link → ${w.from}`);
      else got.set(dest, `file ${w.mode!.toString(8)} from ${sitePath(w.from)}`);
    }
    expect(Object.fromEntries(got)).toEqual(Object.fromEntries(want));
  });

  it('installs the init script only for BusyBox/SysV init and the unit only for systemd', () => {
    const all = installs();
    expect(all.get('/etc/init.d/S60tmsp-agent')?.block).toBe(`${PREFIX}_INSTALL_INIT_SYSV`);
    expect(all.get('/usr/lib/systemd/system/tmsp-agent.service')?.block).toBe(`${PREFIX}_INSTALL_INIT_SYSTEMD`);
    for (const [dest, w] of all) {
      const init = dest.startsWith('/etc/init.d/') ? 'SYSV' : dest.startsWith('/usr/lib/systemd/') ? 'SYSTEMD' : undefined;
      expect(w.block, dest).toBe(init ? `${PREFIX}_INSTALL_INIT_${init}` : `${PREFIX}_INSTALL_TARGET_CMDS`);
    }
  });

  it('installs the executable the build writes for the board (dist/linux-<arch>/tmsp-agent) as /usr/bin/tmsp-agent, mode 0755', () => {
    const exe = installs().get('/usr/bin/tmsp-agent');
    expect(exe).toEqual({ kind: 'file', from: `$(${PREFIX}_EXE)`, mode: 0o755, block: `${PREFIX}_INSTALL_TARGET_CMDS` });
    const defaults = (arch: string, name: string) =>
      mk.assignments.find((a) => a.name === `${PREFIX}_${name}` && a.when === arch)?.value;
    for (const [arch, target, script] of [['BR2_aarch64', 'linux-arm64', 'build:arm64'], ['BR2_x86_64', 'linux-x64', 'build:x64']]) {
      expect(defaults(arch, 'EXE')).toBe(`$(${PATH_VAR})/dist/${target}/tmsp-agent`);
      expect(mk.assignments.find((a) => a.name === `${PREFIX}_EXE` && a.when === arch)?.op, 'TMSP_AGENT_EXE must stay overridable').toBe('?=');
      expect(defaults(arch, 'NPM_BUILD')).toBe(script);
      expect(pkgJson.scripts[script]).toContain(`--target ${target}`);
    }
    // The overlay route's script defaults to the same arm64 executable.
    expect(read('board/post-build.sh')).toContain('$HERE/../dist/linux-arm64/tmsp-agent');
  });

  it("keeps Buildroot's strip off the executable (stripping it after the blob is injected breaks it)", () => {
    const strip = mk.assignments.find((a) => a.name === 'BR2_STRIP_EXCLUDE_FILES');
    expect(strip?.op).toBe('+=');
    expect(strip?.value.split(/\s+/)).toContain('tmsp-agent');
    expect(strip?.when).toBe(SYMBOL);
  });
});

describe('board/README.md, Buildroot section', () => {
  it('names, for the overlay route, an overlay and a post-build script that exist in the tree', () => {
    const readme = read('board/README.md');
    for (const key of ['BR2_ROOTFS_OVERLAY', 'BR2_ROOTFS_POST_BUILD_SCRIPT']) {
      const m = new RegExp(`^${key}="\\$\\(${PATH_VAR}\\)/([^"]+)"$`, 'm').exec(readme);
      expect(m, `${key} is not in board/README.md`).not.toBeNull();
      expect(fs.existsSync(path.join(TREE, m![1])), m![1]).toBe(true);
    }
    expect(fs.statSync(path.join(TREE, 'board/post-build.sh')).mode & 0o111).not.toBe(0);
    expect(readme).toContain(`BR2_EXTERNAL=`);
    expect(readme).toContain(SYMBOL);
  });
});
