// SPDX-License-Identifier: MIT
// Run face-api.js's own FaceExpressionNet (npm @vladmandic/face-api, its CommonJS Node build) on TensorFlow.js's
// pure-JavaScript CPU backend (npm @tensorflow/tfjs), for verify_faceapi_expression.py.
//
//   node verify_faceapi_expression.js MODEL_DIR INPUT.f32 N OUTPUT.f32
//
// INPUT.f32: N x 112 x 112 x 3 float32 little-endian RGB 0..255 (already square and 112 px, so face-api.js's
// padding to a square and resizing do nothing); OUTPUT.f32: N x 7 float32 probabilities in face-api.js's order.
// The require of @tensorflow/tfjs-node is answered with @tensorflow/tfjs, as in verify_faceapi_recognition.js.
'use strict';

const Module = require('module');
const fs = require('fs');
const path = require('path');

const originalResolve = Module._resolveFilename;
Module._resolveFilename = function resolve(request, ...rest) {
  return originalResolve.call(this, request === '@tensorflow/tfjs-node' ? '@tensorflow/tfjs' : request, ...rest);
};

const tf = require('@tensorflow/tfjs');
const faceapi = require('@vladmandic/face-api');

async function main() {
  const [modelDir, inputPath, countText, outputPath] = process.argv.slice(2);
  const n = parseInt(countText, 10);
  await tf.setBackend('cpu');
  await tf.ready();
  const net = faceapi.nets.faceExpressionNet;
  await net.loadFromDisk(path.resolve(modelDir));
  const buf = fs.readFileSync(inputPath);
  const all = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  const size = 112 * 112 * 3;
  if (all.length !== n * size) throw new Error(`input has ${all.length} floats, expected ${n * size}`);
  const out = new Float32Array(n * 7);
  const batch = 8;
  for (let i = 0; i < n; i += batch) {
    const m = Math.min(batch, n - i);
    const tensors = [];
    for (let j = 0; j < m; j += 1) {
      tensors.push(tf.tensor3d(all.slice((i + j) * size, (i + j + 1) * size), [112, 112, 3], 'float32'));
    }
    // an array of 3-D tensors is a batch input: one row of probabilities per tensor
    const netInput = await faceapi.toNetInput(tensors);
    const probs = net.forwardInput(netInput);
    out.set(await probs.data(), i * 7);
    probs.dispose();
    tensors.forEach((t) => t.dispose());
  }
  fs.writeFileSync(outputPath, Buffer.from(out.buffer));
  console.log(`tfjs ${tf.version.tfjs} backend ${tf.getBackend()} face-api ${faceapi.version}: ${n} faces`);
}

main().catch((e) => { console.error(e); process.exit(1); });
