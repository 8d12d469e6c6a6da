// bench.js: ONNX Runtime's inference throughput (onnxruntime-node, CPU
// execution provider) on an exported MNIST classifier over the MNIST test
// images, at the given batch sizes and intra-op thread counts.
//
//   node tools/ort/bench.js MODEL.onnx t10k-images-idx3-ubyte[.gz] SECONDS THREADS,... BATCH,...
//
// Each (threads, batch) runs whole batches of the test images in order
// (the 10,000 images at batch 1,000; batch 1 cycles through them), one
// warm-up pass, then for at least SECONDS, and prints
//   RESULT ort threads=T batch=B samples_per_s=R
// scripts/onnx-bench.sh runs it beside nnfc's BenchmarkEval.
'use strict';
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');
const ort = require(path.join(__dirname, 'node_modules', 'onnxruntime-node'));

function readImages(file) {
  let b = fs.readFileSync(file);
  if (b[0] === 0x1f && b[1] === 0x8b) b = zlib.gunzipSync(b);
  if (b.readUInt32BE(0) !== 0x803) throw new Error(file + ': not an IDX image file');
  const n = b.readUInt32BE(4), d = b.readUInt32BE(8) * b.readUInt32BE(12);
  const x = new Float32Array(n * d);
  for (let i = 0; i < n * d; i++) x[i] = b[16 + i]; // pixels 0..255: the graph normalizes
  return { x, n, d };
}

async function main() {
  const [model, images, seconds, threads, batches] = process.argv.slice(2);
  if (!batches) throw new Error('usage: bench.js MODEL.onnx IMAGES SECONDS THREADS,... BATCH,...');
  const { x, n, d } = readImages(images);
  for (const t of threads.split(',').map(Number)) {
    const s = await ort.InferenceSession.create(model, { intraOpNumThreads: t, interOpNumThreads: 1, executionMode: 'sequential' });
    const input = s.inputNames[0];
    for (const bs of batches.split(',').map(Number)) {
      const feeds = [];
      for (let lo = 0; lo + bs <= n; lo += bs) {
        feeds.push({ [input]: new ort.Tensor('float32', x.subarray(lo * d, (lo + bs) * d), [bs, d]) });
      }
      for (const f of feeds.slice(0, Math.min(feeds.length, 200))) await s.run(f); // warm-up
      let rows = 0, k = 0;
      const t0 = process.hrtime.bigint();
      let el = 0;
      while (el < Number(seconds)) {
        await s.run(feeds[k]);
        rows += bs;
        k = (k + 1) % feeds.length;
        if (k % 8 === 0 || bs >= 100) el = Number(process.hrtime.bigint() - t0) / 1e9;
      }
      el = Number(process.hrtime.bigint() - t0) / 1e9;
      console.log(`RESULT ort threads=${t} batch=${bs} samples_per_s=${(rows / el).toFixed(1)}`);
    }
    await s.release();
  }
}

main().catch((e) => {
  process.stderr.write(String(e && e.message ? e.message : e).split('\n')[0] + '\n');
  process.exit(1);
});
