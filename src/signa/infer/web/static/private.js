// Private mode: camera or video frames -> Holistic landmarks -> pause segments -> the ONNX model, all in the page.
// Tracked frames are resampled onto the model's frame rate (`segmentation.fps`), then cut as `signa translate`
// cuts; a segment followed by a rest of `min_rest_s` is final and read once, the open one after every frame.
// When the input ends, the whole sequence is segmented and read again: that is the transcript.
import { findSegments, hasHand, Resampler } from "./segment.js";
import { drawSkeleton } from "./skeleton.js";
import { Average, view } from "./view.js";

export class PrivateSession {
  constructor({ config, tracker, recognizer, video, canvas }) {
    Object.assign(this, { config, tracker, recognizer, video, canvas });
    this.rule = config.segmentation;
    this.resampler = new Resampler(this.rule.fps);
    this.frames = this.resampler.out; // what the model reads, and what "Save landmarks" writes
    this.answers = new Map(); // "start-stop" -> the model's answer on those frames
    this.segments = [];
    this.current = null;
    this.running = false;
    this.speed = { landmarks: new Average(), model: new Average(), loop: new Average() };
    this.timings = { landmarks: [], model: [], loop: [] }; // every measurement, in ms (benchmarks/web.py)
    this.modelBusy = false;
    this.tracked = 0; // frames tracked (before resampling)
  }

  // Tracks the <video> (a camera stream or a file) until stop() or the end of the file.
  async run(timeOf) {
    this.running = true;
    let previous = performance.now();
    while (this.running && !this.video.ended) {
      await nextVideoFrame(this.video);
      if (!this.running) break;
      const isFile = !this.video.srcObject;
      if (isFile) this.video.pause();
      const time = timeOf();
      const start = performance.now();
      const frame = await this.tracker.landmarks(this.video);
      this.measure("landmarks", performance.now() - start);
      drawSkeleton(this.canvas, frame, this.video.videoWidth, this.video.videoHeight);
      await this.addFrame(frame, time);
      this.tracked += 1;
      const now = performance.now();
      this.measure("loop", now - previous);
      previous = now;
      this.showStats();
      if (isFile && this.running && !this.video.ended) await this.video.play();
    }
    await this.finish();
  }

  // Landmark frames without a picture (a landmark file), at the model's frame rate: read in one pass.
  async runFrames(frames) {
    for (const [index, frame] of frames.entries()) this.resampler.push(frame, index / this.rule.fps);
    await this.finish();
  }

  async addFrame(frame, time) {
    this.resampler.push(frame, time);
    const segments = findSegments(this.frames, this.rule.fps, this.rule);
    const restFrames = this.rule.min_rest_s * this.rule.fps;
    const closed = segments.filter(([, stop]) => this.frames.length - stop >= restFrames);
    for (const segment of closed) await this.read(segment);
    this.show(closed);
    const open = segments.find(([, stop]) => this.frames.length - stop < restFrames);
    if (open && !this.modelBusy) this.guess(open);
  }

  // A running guess on the open segment, not awaited (the loop keeps tracking meanwhile).
  guess([start, stop]) {
    this.modelBusy = true;
    this.recognizer.predict(this.frames.slice(start, stop)).then((answer) => {
      this.modelBusy = false;
      this.measure("model", answer.ms);
      this.current = { start, stop, ...answer };
      if (this.running) view.live(answer);
    });
  }

  // The model's answer on frames [start, stop), computed once.
  async read([start, stop]) {
    const key = `${start}-${stop}`;
    if (!this.answers.has(key)) {
      const answer = await this.recognizer.predict(this.frames.slice(start, stop));
      this.measure("model", answer.ms);
      this.answers.set(key, answer);
    }
    return this.answers.get(key);
  }

  show(segments) {
    const fps = this.rule.fps;
    this.segments = segments.map(([start, stop]) => ({
      start, stop, start_s: start / fps, end_s: stop / fps, ...this.answers.get(`${start}-${stop}`),
    }));
    view.timeline(this.segments);
  }

  async finish() {
    this.running = false;
    if (this.video.srcObject && this.frames.length) {
      const { videoWidth: width, videoHeight: height } = this.video;
      drawSkeleton(this.canvas, this.frames.at(-1), width, height, 3, this.video);
    }
    const hands = this.frames.some((frame) => hasHand(frame));
    let segments = findSegments(this.frames, this.rule.fps, this.rule);
    if (!segments.length && hands) segments = [[0, this.frames.length]]; // as signa translate: the whole clip
    for (const segment of segments) await this.read(segment);
    this.show(segments);
    this.current = null;
    view.live(this.segments.at(-1) ?? { text: "" });
    if (this.frames.length && !hands) view.error(`no hands detected in ${this.frames.length} frames`);
    this.showStats();
    this.done = true;
  }

  stop() { this.running = false; }

  measure(what, ms) {
    this.timings[what].push(ms);
    this.speed[what].add(what === "model" ? ms : 1000 / ms);
  }

  showStats() {
    view.stats({
      landmarksFps: this.speed.landmarks.value,
      modelMs: this.speed.model.value,
      loopFps: this.speed.loop.value,
      frames: this.tracked || this.frames.length,
    });
  }
}

function nextVideoFrame(video) {
  return new Promise((resolve) => {
    if (video.ended) return resolve();
    video.addEventListener("ended", resolve, { once: true });
    video.requestVideoFrameCallback(() => resolve());
  });
}
