// Runs a MicroPython script on the 32-bit WebAssembly port (31-bit small
// ints, 4-byte pointers, like the RP2040) under Node: the npm package
// @micropython/micropython-webassembly-pyscript, pinned in
// tools/ci/mp32/package.json and installed by `make mp32` into
// tools/ci/mp32/node_modules. The port has no host file system: --copy puts
// host files into its in-memory one first.
//
//   node tools/ci/mp32.mjs [-X heapsize=N] [--copy HOST=PORT]... [--path PORT]...
//                          [--cwd PORT] SCRIPT [ARG ...]
//
// --copy copies a host file or folder (recursively, __pycache__ left out) to
// PORT in the port's file system; --path puts PORT folders first on sys.path
// (in the order given, then the port's own '.frozen' with asyncio); SCRIPT is
// a host file run as __main__ with sys.argv = [SCRIPT, ARG ...]. On this port
// gc.collect() only asks for a collection, done when control is back in
// JavaScript (a wasm stack cannot be scanned for roots); a script that
// measures the heap in stages leaves a function mp32_step in its globals,
// and this driver calls it again and again, each call a new top-level run
// (so entered with the heap collected), until it returns a false value.
// -X heapsize is
// the first heap area: the port adds areas when it runs out (so it measures,
// it does not cap). Exit status: the script's SystemExit code, 1 on an
// uncaught exception (traceback on stderr), else 0.
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

const require = createRequire(import.meta.url);
const PKG = "@micropython/micropython-webassembly-pyscript";

function usage(msg) {
  process.stderr.write("mp32: " + msg + "\n");
  process.exit(2);
}

function parse(argv) {
  const o = { heap: 1024 * 1024, copies: [], paths: [], cwd: "/", script: null, args: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (o.script !== null) o.args.push(a);
    else if (a === "-X") {
      const m = /^heapsize=(\d+)([kKmM]?)$/.exec(argv[++i] || "");
      if (!m) usage("-X heapsize=N[k|m]");
      o.heap = parseInt(m[1]) * ({ k: 1024, m: 1048576 }[m[2].toLowerCase()] || 1);
    } else if (a === "--copy") {
      const v = argv[++i] || "";
      const eq = v.lastIndexOf("=");
      if (eq < 1) usage("--copy HOST=PORT");
      o.copies.push([v.slice(0, eq), v.slice(eq + 1)]);
    } else if (a === "--path") o.paths.push(argv[++i]);
    else if (a === "--cwd") o.cwd = argv[++i];
    else if (a.startsWith("-")) usage("unknown option " + a);
    else o.script = a;
  }
  if (o.script === null) usage("no script given");
  return o;
}

function mkdirs(FS, dir) {
  let cur = "";
  for (const part of dir.split("/").filter(Boolean)) {
    cur += "/" + part;
    if (!FS.analyzePath(cur).exists) FS.mkdir(cur);
  }
}

function copyIn(FS, host, port) {
  const st = fs.statSync(host);
  if (st.isDirectory()) {
    mkdirs(FS, port);
    for (const name of fs.readdirSync(host)) {
      if (name !== "__pycache__") copyIn(FS, path.join(host, name), port + "/" + name);
    }
  } else if (st.isFile()) {
    mkdirs(FS, path.posix.dirname(port));
    FS.writeFile(port, fs.readFileSync(host));
  }
}

const opt = parse(process.argv.slice(2));
const { loadMicroPython } = await import(
  pathToFileURL(require.resolve(PKG, { paths: [path.join(import.meta.dirname, "mp32")] })).href);
const mp = await loadMicroPython({
  heapsize: opt.heap,
  linebuffer: false,
  stdout: (b) => process.stdout.write(b),
  stderr: (b) => process.stderr.write(b),
});
for (const [host, port] of opt.copies) copyIn(mp.FS, host, port);
mkdirs(mp.FS, opt.cwd);
const setup = [
  "import sys, os",
  "sys.path[:] = " + JSON.stringify(opt.paths) + " + ['.frozen']",
  "sys.argv[:] = " + JSON.stringify([opt.script].concat(opt.args)),
  "os.chdir(" + JSON.stringify(opt.cwd) + ")",
  "del sys, os",
].join("\n");
let status = 0;
try {
  mp.runPython(setup);
  mp.runPython(fs.readFileSync(opt.script, "utf8"));
  mp.runPython("_mp32_more = globals().get('mp32_step') is not None");
  while (mp.globals.get("_mp32_more")) mp.runPython("_mp32_more = mp32_step()");
} catch (e) {
  if (e.name !== "PythonError") throw e;
  if (e.type === "SystemExit") {
    const code = /SystemExit: ?(.*)\n*$/.exec(e.message);
    const v = code ? code[1].trim() : "";
    status = v === "" || v === "None" ? 0 : /^-?\d+$/.test(v) ? parseInt(v) : 1;
    if (status && !/^-?\d+$/.test(v)) process.stderr.write(v + "\n");
  } else {
    process.stderr.write(e.message);
    status = 1;
  }
}
process.exitCode = status;
