// Private mode: camera or video frames -> Holistic landmarks -> pause segments -> the ONNX model, all in the page.
import { Segmenter } from "./segment.js";
import { drawSkeleton, hasHand } from "./skeleton.js";
import { Average, view } from "./view.js";

export class PrivateSession {
  constructor({ config, tracker, recognizer, video, canvas }) {
    Object.assign(this, { config, tracker, recognizer, video, canvas });
    this.frames = [];
    this.times = [];
    this.mediaTimes = []; // the video frame's own timestamp (requestVideoFrameCallback mediaTime)
    this.segments = [];
    this.current = null;
    this.running = false;
    this.segmenter = new Segmenter(config.segmentation);
    this.speed = { landmarks: new Average(), model: new Average(), loop: new Average() };
    this.timings = { landmarks: [], model: [], loop: [] }; // every measurement, in ms (benchmarks/web.py)
    this.modelBusy = false;
  }

  // Tracks the <video> (a camera stream or a file) until stop() or the end of the file.
  async run(timeOf) {
    this.running = true;
    let previous = performance.now();
    while (this.running && !this.video.ended) {
      const meta = await nextVideoFrame(this.video);
      if (!this.running) break;
      this.mediaTimes.push(meta?.mediaTime ?? null);
      const isFile = !this.video.srcObject;
      if (isFile) this.video.pause();
      const time = timeOf();
      const start = performance.now();
      const frame = await this.tracker.landmarks(this.video);
      this.measure("landmarks", performance.now() - start);
      drawSkeleton(this.canvas, frame, this.video.videoWidth, this.video.videoHeight);
      await this.addFrame(frame, time);
      const now = performance.now();
      this.measure("loop", now - previous);
      previous = now;
      this.showStats();
      if (isFile && this.running && !this.video.ended) await this.video.play();
    }
    await this.finish();
  }

  // Landmark frames without a picture (a landmark file): segmented and recognised in one pass.
  async runFrames(frames, fps = 30) {
    for (const [index, frame] of frames.entries()) await this.addFrame(frame, index / fps, false);
    await this.finish();
  }

  async addFrame(frame, time, live = true) {
    const index = this.frames.length;
    this.frames.push(frame);
    this.times.push(time);
    const closed = this.segmenter.push(index, hasHand(frame));
    if (closed) await this.close(closed);
    const open = this.segmenter.current();
    if (live && open && !this.modelBusy) this.guess(open);
  }

  // A running guess on the open segment, not awaited (the loop keeps tracking meanwhile).
  guess([start, end]) {
    this.modelBusy = true;
    this.recognizer.predict(this.frames.slice(start, end)).then((answer) => {
      this.modelBusy = false;
      this.measure("model", answer.ms);
      this.current = { start, end, ...answer };
      if (this.running) view.live(answer);
    });
  }

  async close([start, end]) {
    const answer = await this.recognizer.predict(this.frames.slice(start, end));
    this.measure("model", answer.ms);
    const segment = { start, end, start_s: this.times[start], end_s: this.times[end - 1], ...answer };
    this.segments.push(segment);
    this.current = null;
    view.live(answer);
    view.timeline(this.segments);
  }

  async finish() {
    this.running = false;
    if (this.video.srcObject && this.frames.length) {
      const { videoWidth: width, videoHeight: height } = this.video;
      drawSkeleton(this.canvas, this.frames.at(-1), width, height, 3, this.video);
    }
    const last = this.segmenter.flush();
    if (last) await this.close(last);
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
      frames: this.frames.length,
    });
  }
}

function nextVideoFrame(video) {
  return new Promise((resolve) => {
    if (video.ended) return resolve();
    video.addEventListener("ended", resolve, { once: true });
    video.requestVideoFrameCallback((_, meta) => resolve(meta));
  });
}
