// SPDX-License-Identifier: MIT
// Run face-api.js's own FaceRecognitionNet (npm @vladmandic/face-api, its CommonJS Node build) on TensorFlow.js's
// pure-JavaScript CPU backend (npm @tensorflow/tfjs), for verify_faceapi_recognition.py.
//
//   node verify_faceapi_recognition.js MODEL_DIR INPUT.f32 N OUTPUT.f32
//
// INPUT.f32: N x 150 x 150 x 3 float32 little-endian RGB 0..255; OUTPUT.f32: N x 128 float32 descriptors.
// face-api's Node build requires @tensorflow/tfjs-node, whose install downloads a native TensorFlow library from
// outside npm; the require of that name is answered with @tensorflow/tfjs instead (same API, CPU backend in JS).
// Run it from a folder whose node_modules has @vladmandic/face-api and @tensorflow/tfjs (see the .py file).
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
  const net = faceapi.nets.faceRecognitionNet;
  await net.loadFromDisk(path.resolve(modelDir));
  const buf = fs.readFileSync(inputPath);
  const all = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  const size = 150 * 150 * 3;
  if (all.length !== n * size) throw new Error(`input has ${all.length} floats, expected ${n * size}`);
  const out = new Float32Array(n * 128);
  const batch = 8;
  for (let i = 0; i < n; i += batch) {
    const m = Math.min(batch, n - i);
    const tensors = [];
    for (let j = 0; j < m; j += 1) {
      tensors.push(tf.tensor3d(all.slice((i + j) * size, (i + j + 1) * size), [150, 150, 3], 'float32'));
    }
    // an array of 3-D tensors is a batch input: one descriptor per tensor
    const result = await net.computeFaceDescriptor(tensors);
    const descriptors = Array.isArray(result) ? result : [result];
    descriptors.forEach((d, j) => out.set(d, (i + j) * 128));
    tensors.forEach((t) => t.dispose());
  }
  fs.writeFileSync(outputPath, Buffer.from(out.buffer));
  console.log(`tfjs ${tf.version.tfjs} backend ${tf.getBackend()} face-api ${faceapi.version}: ${n} descriptors`);
}

main().catch((e) => { console.error(e); process.exit(1); });
