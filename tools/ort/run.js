// run.js: run ONNX models in ONNX Runtime (onnxruntime-node, CPU execution
// provider) on matrices of raw little-endian floats, one Node process for
// many jobs. nnfc's export tests drive it (internal/onnx).
//
//   node tools/ort/run.js JOBS.json
//
// JOBS.json is a list of {"model", "input", "rows", "cols", "dtype"
// (float32|float64), "threads", "out"}, or of {"model", "feeds", "threads",
// "out"} where feeds names each graph input {"type" (float32|float64|
// string), "dims", "data"} (null in float data is NaN: a table's missing
// cell); each job writes to its "out" file
// {"outputs": {name: {"type", "dims", "data"}}} (int64 outputs as numbers,
// strings as strings), or {"error": "the first line of ORT's error"} when
// the session cannot be created or run.
'use strict';
const fs = require('fs');
const path = require('path');
const ort = require(path.join(__dirname, 'node_modules', 'onnxruntime-node'));

async function run(job) {
  const opts = { intraOpNumThreads: job.threads || 1, interOpNumThreads: 1 };
  const session = await ort.InferenceSession.create(job.model, opts);
  if (job.feeds) return outputs(session, await session.run(feeds(job.feeds)));
  const buf = fs.readFileSync(job.input);
  const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  const data = job.dtype === 'float64' ? new Float64Array(ab) : new Float32Array(ab);
  const x = new ort.Tensor(job.dtype, data, [job.rows, job.cols]);
  return outputs(session, await session.run({ [session.inputNames[0]]: x }));
}

function feeds(spec) {
  const f = {};
  for (const [name, t] of Object.entries(spec)) {
    let data = t.data;
    if (t.type === 'float32') data = Float32Array.from(data, (v) => (v === null ? NaN : v));
    if (t.type === 'float64') data = Float64Array.from(data, (v) => (v === null ? NaN : v));
    f[name] = new ort.Tensor(t.type, data, t.dims);
  }
  return f;
}

function outputs(session, out) {
  const res = {};
  for (const name of session.outputNames) {
    const t = out[name];
    res[name] = { type: t.type, dims: t.dims, data: Array.from(t.data, (v) => (typeof v === 'bigint' ? Number(v) : v)) };
  }
  return { outputs: res };
}

async function main() {
  if (process.argv.length !== 3) throw new Error('usage: node run.js JOBS.json');
  const jobs = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  for (const job of jobs) {
    let res;
    try {
      res = await run(job);
    } catch (e) {
      res = { error: String(e && e.message ? e.message : e).split('\n')[0] };
    }
    fs.writeFileSync(job.out, JSON.stringify(res));
  }
}

main().catch((e) => {
  process.stderr.write(String(e && e.message ? e.message : e).split('\n')[0] + '\n');
  process.exit(1);
});
