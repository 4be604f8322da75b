// SPDX-License-Identifier: MIT
// Run face-api.js's own FaceExpressionNet (npm @vladmandic/face-api, its CommonJS Node build) on TensorFlow.js's
// pure-JavaScript CPU backend (npm @tensorflow/tfjs), for verify_faceapi_expression.py.
//
//   node verify_faceapi_expression.js MODEL_DIR INPUT.f32 N OUTPUT.f32
//
// INPUT.f32: N x 112 x 112 x 3 float32 little-endian RGB 0..255 (already square and 112 px, so face-api.js's
// padding to a square and resizing do nothing); OUTPUT.f32: N x 7 float32 probabilities in face-api.js's order.
// Loading, batching and the files: faceapi_node.js.
'use strict';

const { faceapi, main } = require('./faceapi_node.js');

main({
  netName: 'faceExpressionNet',
  size: 112,
  width: 7,
  unit: 'faces',
  async forward(net, tensors) {
    // an array of 3-D tensors is a batch input: one row of probabilities per tensor
    const netInput = await faceapi.toNetInput(tensors);
    const probs = net.forwardInput(netInput);
    const values = await probs.data();
    probs.dispose();
    return values;
  },
});
