// MediaPipe Holistic in the page (the @mediapipe/holistic wasm build, its files served from /assets/holistic/),
// with the settings of SIGNA's Python extraction: model complexity 1, no refined face, confidences 0.5.
// `useCpuInference` (an option holistic.js reads but does not declare) runs the TFLite models on the CPU
// (XNNPACK), as Python MediaPipe does: on a machine without a GPU, WebGL inference through SwiftShader is
// ~100x slower (13 s a frame measured in headless Chromium on 2 cores).
const PARTS = [["faceLandmarks", 468], ["leftHandLandmarks", 21], ["poseLandmarks", 33], ["rightHandLandmarks", 21]];
export const HOLISTIC_OPTIONS = {
  modelComplexity: 1,
  smoothLandmarks: true,
  enableSegmentation: false,
  refineFaceLandmarks: false,
  minDetectionConfidence: 0.5,
  minTrackingConfidence: 0.5,
  selfieMode: false,
  useCpuInference: true,
};

export async function loadTracker() {
  const holistic = new window.Holistic({ locateFile: (file) => `/assets/holistic/${file}` });
  holistic.setOptions(HOLISTIC_OPTIONS);
  let latest = null;
  holistic.onResults((results) => { latest = results; });
  await holistic.initialize();
  return {
    // One picture (a <video> or <canvas>) -> Float32Array(543*3) in SIGNA's order, NaN = missing.
    async landmarks(image) {
      latest = null;
      await holistic.send({ image });
      return toFrame(latest);
    },
    reset() { holistic.reset(); },
  };
}

function toFrame(results) {
  const frame = new Float32Array(543 * 3).fill(NaN);
  let offset = 0;
  for (const [name, count] of PARTS) {
    const points = results?.[name];
    if (points) {
      for (let i = 0; i < count; i++) {
        frame[(offset + i) * 3] = points[i].x;
        frame[(offset + i) * 3 + 1] = points[i].y;
        frame[(offset + i) * 3 + 2] = points[i].z;
      }
    }
    offset += count;
  }
  return frame;
}
