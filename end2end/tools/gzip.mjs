// Writes a gzip copy (NAME.gz) beside each file named on the command line, compressed with
// zopfli: Google's C zopfli compiled to wasm (npm `@gfx/zopfli`), whose output any gzip reader
// reads. A file that gzip would not make smaller gets no copy (and loses a stale one). Prints a
// line per file: its size, then the copy's size or `-` for none, then its path.
//
//   node tools/gzip.mjs FILE...
//
// `cargo xtask build` calls it for the files it serves. (The Rust port of zopfli made the
// designer's wasm 3 KB larger than this, 599,133 bytes against 595,980, at the same 15
// iterations; see BENCHMARKS.md.)
import { gzip } from "@gfx/zopfli";
import { readFile, rm, writeFile } from "node:fs/promises";

const compress = (bytes) =>
  new Promise((resolve, reject) => gzip(bytes, { numiterations: 15 }, (error, output) => (error ? reject(error) : resolve(output))));

for (const file of process.argv.slice(2)) {
  const bytes = await readFile(file);
  const compressed = await compress(bytes);
  if (compressed.length < bytes.length) {
    await writeFile(`${file}.gz`, compressed);
    console.log(`${bytes.length} ${compressed.length} ${file}`);
  } else {
    await rm(`${file}.gz`, { force: true });
    console.log(`${bytes.length} - ${file}`);
  }
}
