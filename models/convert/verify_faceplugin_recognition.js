// SPDX-License-Identifier: MIT
// Runs the package's own model/fr_feature.onnx in its own runtime (onnxruntime-web, wasm, one face a call) for
// verify_faceplugin_recognition.py. Run from a folder whose node_modules has onnxruntime-web@1.14.0.
'use strict';
// node run_ortweb.js MODEL.onnx INPUT.f32 N OUTPUT.f32: the package's own runtime (onnxruntime-web, wasm), one face a call
const ort = require('onnxruntime-web');
const fs = require('fs');
(async () => {
  const [modelPath, inputPath, countText, outputPath] = process.argv.slice(2);
  ort.env.wasm.numThreads = 1;
  const session = await ort.InferenceSession.create(fs.readFileSync(modelPath), { executionProviders: ['wasm'] });
  const n = parseInt(countText, 10);
  const buf = fs.readFileSync(inputPath);
  const all = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  const per = 3 * 112 * 112;
  const out = [];
  for (let i = 0; i < n; i++) {
    const x = new ort.Tensor('float32', all.slice(i * per, (i + 1) * per), [1, 3, 112, 112]);
    const r = await session.run({ input: x });
    out.push(...r[session.outputNames[0]].data);
  }
  fs.writeFileSync(outputPath, Buffer.from(new Float32Array(out).buffer));
  console.log('faces', n, 'width', out.length / n);
})();
