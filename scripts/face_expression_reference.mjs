// Reference outputs of the REAL face-api FaceExpressionNet, used to check the
// ONNX port of @vladmandic/face-api@1.7.15's face_expression_model.
// Runs the package's dist/face-api.node-wasm.js build on tfjs 4.22.0, switched to
// the pure-JS "cpu" backend (no native tfjs-node), with the weights of the
// package's own model/ folder (loaded by faceExpressionNet.loadFromDisk).
//
// Inputs: raw 112*112*3 uint8 RGB files (HWC, no header). The 0..255 values are
// fed as a float32 [1,112,112,3] tensor; face-api itself subtracts the mean RGB
// and divides by 255 (toBatchTensor leaves a 112x112 input unpadded, unresized).
// Prints JSON {backend, tfjs, results: {"<file name>": [neutral, happy, sad, angry, fearful, disgusted, surprised]}}.
//
//   cd /tmp/ref && npm install @vladmandic/face-api@1.7.15 @tensorflow/tfjs@4.22.0 @tensorflow/tfjs-backend-wasm@4.22.0
//   node scripts/face_expression_reference.mjs /tmp/ref/node_modules/@vladmandic/face-api a.bin b.bin ...
// The package dir must be an installed copy: its require('@tensorflow/tfjs') has to resolve.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join, resolve } from 'node:path';

const [pkgDir, ...files] = process.argv.slice(2);
if (!pkgDir || files.length === 0) {
  console.error('usage: node face_expression_reference.mjs <face-api package dir> <rgb112.bin>...');
  process.exit(2);
}
const faceapi = createRequire(join(resolve(pkgDir), 'package.json'))('./dist/face-api.node-wasm.js');
const { tf } = faceapi;
if (!(await tf.setBackend('cpu'))) throw new Error('tfjs cpu backend unavailable');
await tf.ready();

const net = faceapi.nets.faceExpressionNet;
await net.loadFromDisk(join(resolve(pkgDir), 'model'));

const results = {};
for (const file of files) {
  const pixels = readFileSync(file);
  if (pixels.length !== 112 * 112 * 3) throw new Error(`${file}: expected ${112 * 112 * 3} bytes, got ${pixels.length}`);
  const input = tf.tensor4d(Float32Array.from(pixels), [1, 112, 112, 3], 'float32');
  const probs = await net.forward(input);
  results[basename(file)] = Array.from(await probs.data());
  tf.dispose([input, probs]);
}
console.log(JSON.stringify({ backend: tf.getBackend(), tfjs: tf.version_core, results }, null, 1));
