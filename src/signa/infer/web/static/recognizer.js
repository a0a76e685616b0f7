// The exported ONNX model in ONNX Runtime Web (wasm), decoded exactly as signa.infer.Recognizer does.
import * as ort from "/assets/ort/ort.wasm.min.mjs";

ort.env.wasm.wasmPaths = "/assets/ort/";
ort.env.wasm.numThreads = self.crossOriginIsolated ? Math.min(4, navigator.hardwareConcurrency || 1) : 1;

export async function loadRecognizer(config) {
  const session = await ort.InferenceSession.create(`/${config.model.file}`, {
    executionProviders: ["wasm"],
    graphOptimizationLevel: "all",
  });
  return new BrowserRecognizer(session, config);
}

export class BrowserRecognizer {
  constructor(session, config) {
    this.session = session;
    this.config = config;
    this.queue = Promise.resolve();
  }

  // One run at a time: ONNX Runtime Web refuses a second run on a session while one is going.
  predict(frames) {
    const answer = this.queue.then(() => this.run(frames));
    this.queue = answer.catch(() => {});
    return answer;
  }

  // `frames`: an array of Float32Array(543*3). Resolves to {text|sign, confidence, tokens, low, frames, ms}.
  async run(frames) {
    const data = new Float32Array(frames.length * frames[0].length);
    frames.forEach((frame, t) => data.set(frame, t * frame.length));
    const input = new ort.Tensor("float32", data, [frames.length, 543, 3]);
    const start = performance.now();
    const out = await this.session.run({ [this.config.model.input]: input });
    const ms = performance.now() - start;
    const answer = this.config.task === "signs" ? this.decodeSign(out) : this.decodeText(out, frames.length);
    return { ...answer, frames: frames.length, ms };
  }

  decodeSign(out) {
    const probabilities = out.probabilities.data;
    let best = 0;
    for (let i = 1; i < probabilities.length; i++) if (probabilities[i] > probabilities[best]) best = i;
    return { sign: this.config.labels[best], confidence: probabilities[best], tokens: [best], low: false };
  }

  decodeText(out, frames) {
    const { chars, eos_id: eos } = this.config.vocab;
    const gate = this.config.gate;
    const { steps, pad_id: pad } = this.config.decoding;
    const tokens = Array.from(out.tokens.data, Number);
    while (tokens.length < steps) tokens.push(pad); // the loop variant stops at EOS
    let text = "";
    for (const id of tokens) {
      if (id === eos) break;
      if (id >= 0 && id < chars.length) text += chars[id];
    }
    const logit = out.confidence.data[0];
    const f = Math.fround; // float32 steps, as signa.infer.fingerspelling.sigmoid
    const confidence = Number.isNaN(logit) ? null : f(1 / f(1 + f(Math.exp(-f(logit)))));
    const low = frames < gate.min_frames || (confidence !== null && confidence < gate.min_confidence);
    if (low && gate.gate !== null) text = gate.gate === "kaggle" ? gate.dummy_text : "";
    return { text, confidence, tokens, low };
  }
}
