import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";

/** A bundled Node.js handler, zipped: what a zip Lambda function deploys. */
export interface NodeBundle {
  /** Absolute path of the zip (one file, `index.js` unless another `zipPath` was asked for). */
  readonly zipFile: string;
  /** base64(sha256(zip)): Lambda's `source_code_hash`. */
  readonly sha256: string;
  /** Zip size in bytes. */
  readonly bytes: number;
}

export interface BundleOptions {
  /** The handler's TypeScript (or JavaScript) entry file. */
  readonly entry: string;
  /** Directory for bundles and their freshness manifests. */
  readonly outDir: string;
  /** esbuild target. @default "node22" */
  readonly target?: string;
  /**
   * Path of the bundled file inside the zip, e.g. `nodejs/node_modules/<name>/index.js` for a
   * Lambda layer's Node.js module. @default "index.js" (a function's handler file)
   */
  readonly zipPath?: string;
}

interface Manifest {
  readonly inputs: Record<string, string>;
  readonly sha256: string;
  readonly bytes: number;
}

/** size:mtime of a file, or "missing". */
function stamp(file: string): string {
  try {
    const s = fs.statSync(file);
    return `${s.size}:${s.mtimeMs}`;
  } catch {
    return "missing";
  }
}

/**
 * Bundles `entry` with esbuild (CommonJS, minified, the AWS SDK's ES module builds preferred so
 * unused commands are dropped) into a deterministic zip holding `index.js`. Rebuilds only when
 * an input esbuild read last time changed (size or mtime), so a synth with fresh bundles costs
 * a few stat calls. Writes go to a temporary name and are renamed, as several synths may run
 * at once. The zip's entries carry a fixed timestamp: the same code always gives the same hash,
 * so a re-plan without code changes is clean and a code change updates the function.
 */
export function bundleNodeHandler(options: BundleOptions): NodeBundle {
  const { entry, outDir, target = "node22", zipPath = "index.js" } = options;
  if (!fs.existsSync(entry)) throw new Error(`bundle: handler entry ${entry} does not exist`);
  // The same entry zipped under another path is another bundle (the default keeps its old name).
  const identity = zipPath === "index.js" ? entry : `${entry}\u0000${zipPath}`;
  const name = `${path.basename(entry).replace(/\.[jt]s$/, "")}-${createHash("sha256").update(identity).digest("hex").slice(0, 8)}`;
  const zipFile = path.join(outDir, `${name}.zip`);
  const manifestFile = path.join(outDir, `${name}.json`);
  try {
    const manifest = JSON.parse(fs.readFileSync(manifestFile, "utf8")) as Manifest;
    const fresh =
      fs.existsSync(zipFile) && Object.entries(manifest.inputs).every(([file, seen]) => stamp(file) === seen);
    if (fresh) return { zipFile, sha256: manifest.sha256, bytes: manifest.bytes };
  } catch {
    // No manifest yet, or unreadable: build.
  }

  // Loaded only when a bundle must be built: a synth with fresh bundles never pays for esbuild.
  const esbuild = require("esbuild") as typeof import("esbuild");
  const result = esbuild.buildSync({
    entryPoints: [entry],
    bundle: true,
    platform: "node",
    target,
    format: "cjs",
    minify: true,
    mainFields: ["module", "main"],
    metafile: true,
    write: false,
    outfile: "index.js",
    logLevel: "silent",
  });
  const code = result.outputFiles.find((f) => f.path.endsWith("index.js"));
  if (!code) throw new Error(`bundle: esbuild produced no index.js for ${entry}`);
  const zip = deterministicZip([{ name: zipPath, data: Buffer.from(code.contents) }]);
  const sha256 = createHash("sha256").update(zip).digest("base64");
  const cwd = process.cwd();
  const inputs = Object.fromEntries(
    Object.keys(result.metafile.inputs).map((f) => {
      const file = path.resolve(cwd, f);
      return [file, stamp(file)];
    }),
  );
  fs.mkdirSync(outDir, { recursive: true });
  const tmp = `.${process.pid}.${Date.now()}.tmp`;
  fs.writeFileSync(zipFile + tmp, zip);
  fs.renameSync(zipFile + tmp, zipFile);
  fs.writeFileSync(manifestFile + tmp, JSON.stringify({ inputs, sha256, bytes: zip.length } satisfies Manifest));
  fs.renameSync(manifestFile + tmp, manifestFile);
  return { zipFile, sha256, bytes: zip.length };
}

/** A zip archive (deflate) whose bytes depend only on the entries' names and contents. */
export function deterministicZip(entries: readonly { name: string; data: Buffer }[]): Buffer {
  // 1980-01-01 00:00, the earliest DOS date: no build time leaks into the archive.
  const dosTime = 0;
  const dosDate = (0 << 9) | (1 << 5) | 1;
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const { name, data } of entries) {
    const nameBytes = Buffer.from(name, "utf8");
    const compressed = zlib.deflateRawSync(data, { level: 9 });
    const crc = zlib.crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt16LE(dosTime, 10);
    local.writeUInt16LE(dosDate, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by Unix, spec 2.0
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt16LE(dosTime, 12);
    central.writeUInt16LE(dosDate, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(compressed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(((0o100644 << 16) >>> 0) as number, 38); // -rw-r--r--
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, compressed);
    centrals.push(central, nameBytes);
    offset += local.length + nameBytes.length + compressed.length;
  }
  const centralSize = centrals.reduce((n, b) => n + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, ...centrals, end]);
}
