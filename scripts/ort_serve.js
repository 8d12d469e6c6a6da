// ort_serve.js: the peer of nnfc serve in scripts/serve-bench.sh — an
// exported ONNX model (nnfc export) served by ONNX Runtime's Node binding
// (tools/ort, installed by make deps) behind Node's http module, doing
// the same work as nnfc serve's OIP V2 endpoint: parse the request (JSON,
// or Triton's binary tensor data extension), run the model, answer
// "probabilities" and "label" (JSON, or binary with binary_data_output).
// One session.run per request (no batching across requests); loopback only.
//
//   node scripts/ort_serve.js MODEL.onnx NAME [THREADS]
//
// Prints "ort_serve: listening on http://127.0.0.1:PORT" on stderr.
'use strict';
const http = require('http');
const path = require('path');
const ort = require(path.join(__dirname, '..', 'tools', 'ort', 'node_modules', 'onnxruntime-node'));

const [modelPath, name, threads] = process.argv.slice(2);
if (!modelPath || !name) {
  process.stderr.write('usage: node ort_serve.js MODEL.onnx NAME [THREADS]\n');
  process.exit(2);
}

function fail(res, code, msg) {
  res.writeHead(code, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify({ error: msg }) + '\n');
}

async function main() {
  const session = await ort.InferenceSession.create(modelPath, {
    intraOpNumThreads: Number(threads || 2), interOpNumThreads: 1,
  });
  const route = `/v2/models/${name}/infer`;
  const server = http.createServer((req, res) => {
    if (req.method !== 'POST' || req.url !== route) return fail(res, 404, 'no route');
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      try {
        const body = Buffer.concat(chunks);
        const hlen = req.headers['inference-header-content-length'];
        const head = JSON.parse((hlen ? body.subarray(0, Number(hlen)) : body).toString('utf8'));
        const inp = head.inputs[0];
        const [rows, cols] = inp.shape;
        let x;
        if (hlen) {
          const bin = body.subarray(Number(hlen));
          x = new Float32Array(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength));
        } else {
          x = Float32Array.from(inp.data.flat());
        }
        if (x.length !== rows * cols) return fail(res, 400, 'data does not match the shape');
        const out = await session.run({ input: new ort.Tensor('float32', x, [rows, cols]) });
        const probs = out.probabilities;
        const label = out.label;
        const binaryOut = head.parameters && head.parameters.binary_data_output;
        if (binaryOut) {
          const p = Buffer.from(probs.data.buffer, probs.data.byteOffset, probs.data.byteLength);
          const l = Buffer.from(label.data.buffer, label.data.byteOffset, label.data.byteLength);
          const json = Buffer.from(JSON.stringify({
            model_name: name,
            outputs: [
              { name: 'probabilities', datatype: 'FP32', shape: probs.dims, parameters: { binary_data_size: p.length } },
              { name: 'label', datatype: 'INT64', shape: label.dims, parameters: { binary_data_size: l.length } },
            ],
          }));
          res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Inference-Header-Content-Length': json.length });
          res.end(Buffer.concat([json, p, l]));
          return;
        }
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({
          model_name: name,
          outputs: [
            { name: 'probabilities', datatype: 'FP32', shape: probs.dims, data: Array.from(probs.data) },
            { name: 'label', datatype: 'INT64', shape: label.dims, data: Array.from(label.data, Number) },
          ],
        }));
      } catch (e) {
        fail(res, 400, String(e && e.message ? e.message : e).split('\n')[0]);
      }
    });
  });
  server.keepAliveTimeout = 120000;
  server.listen(0, '127.0.0.1', () => {
    process.stderr.write(`ort_serve: listening on http://127.0.0.1:${server.address().port}\n`);
  });
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((e) => {
  process.stderr.write(String(e && e.message ? e.message : e).split('\n')[0] + '\n');
  process.exit(1);
});
