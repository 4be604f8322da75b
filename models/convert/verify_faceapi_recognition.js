// SPDX-License-Identifier: MIT
// Run face-api.js's own FaceRecognitionNet (npm @vladmandic/face-api, its CommonJS Node build) on TensorFlow.js's
// pure-JavaScript CPU backend (npm @tensorflow/tfjs), for verify_faceapi_recognition.py.
//
//   node verify_faceapi_recognition.js MODEL_DIR INPUT.f32 N OUTPUT.f32
//
// INPUT.f32: N x 150 x 150 x 3 float32 little-endian RGB 0..255; OUTPUT.f32: N x 128 float32 descriptors.
// Loading (with @tensorflow/tfjs standing in for tfjs-node), batching and the files: faceapi_node.js.
'use strict';

const { main } = require('./faceapi_node.js');

main({
  netName: 'faceRecognitionNet',
  size: 150,
  width: 128,
  unit: 'descriptors',
  async forward(net, tensors) {
    // an array of 3-D tensors is a batch input: one descriptor per tensor
    const result = await net.computeFaceDescriptor(tensors);
    const descriptors = Array.isArray(result) ? result : [result];
    const values = new Float32Array(descriptors.length * 128);
    descriptors.forEach((d, j) => values.set(d, j * 128));
    return values;
  },
});
