// SPDX-License-Identifier: MIT
// What verify_faceapi_recognition.js and verify_faceapi_expression.js share: loading face-api.js (npm
// @vladmandic/face-api, its CommonJS Node build) on TensorFlow.js's pure-JavaScript CPU backend (npm
// @tensorflow/tfjs), reading the float32 input file, batching, and writing the float32 output file.
//
// face-api's Node build requires @tensorflow/tfjs-node, whose install downloads a native TensorFlow library from
// outside npm; the require of that name is answered with @tensorflow/tfjs instead (same API, CPU backend in JS).
// Run from a folder whose node_modules has @vladmandic/face-api and @tensorflow/tfjs (see verify_common.py).
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

// node SCRIPT MODEL_DIR INPUT.f32 N OUTPUT.f32: INPUT.f32 holds N x size x size x 3 float32 little-endian RGB
// 0..255, OUTPUT.f32 gets N x width float32. forward(net, tensors) returns the width * tensors.length outputs of
// a batch of 3-D tensors, in order; unit names the rows in the closing line.
async function run({ netName, size, width, unit, forward }) {
  const [modelDir, inputPath, countText, outputPath] = process.argv.slice(2);
  const n = parseInt(countText, 10);
  await tf.setBackend('cpu');
  await tf.ready();
  const net = faceapi.nets[netName];
  await net.loadFromDisk(path.resolve(modelDir));
  const buf = fs.readFileSync(inputPath);
  const all = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  const pixels = size * size * 3;
  if (all.length !== n * pixels) throw new Error(`input has ${all.length} floats, expected ${n * pixels}`);
  const out = new Float32Array(n * width);
  const batch = 8;
  for (let i = 0; i < n; i += batch) {
    const m = Math.min(batch, n - i);
    const tensors = [];
    for (let j = 0; j < m; j += 1) {
      tensors.push(tf.tensor3d(all.slice((i + j) * pixels, (i + j + 1) * pixels), [size, size, 3], 'float32'));
    }
    const values = await forward(net, tensors);
    if (values.length !== m * width) throw new Error(`batch gave ${values.length} values, expected ${m * width}`);
    out.set(values, i * width);
    tensors.forEach((t) => t.dispose());
  }
  fs.writeFileSync(outputPath, Buffer.from(out.buffer));
  console.log(`tfjs ${tf.version.tfjs} backend ${tf.getBackend()} face-api ${faceapi.version}: ${n} ${unit}`);
}

function main(options) {
  run(options).catch((e) => { console.error(e); process.exit(1); });
}

module.exports = { faceapi, main };
