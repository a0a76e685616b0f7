// The pause segmentation of `signa translate` (signa.infer.segment.find_segments), rule for rule, and the
// resampling of a live loop's irregular frames onto the model's frame rate (signa.infer.segment.resample).
// Frames are Float32Array(543*3); float32 steps of the Python code are rounded with Math.fround.
const LEFT_HAND = 468, RIGHT_HAND = 522, SHOULDERS = [489 + 11, 489 + 12];
const FALLBACK_SHOULDER_WIDTH = 0.2;

// Python's round(): halves to even.
const pyRound = (x) => (Math.abs(x % 1) === 0.5 ? 2 * Math.round(x / 2) : Math.round(x));

function detected(frame, start) {
  for (let i = start; i < start + 21; i++) if (!Number.isNaN(frame[i * 3])) return true;
  return false;
}

export const hasHand = (frame) => detected(frame, LEFT_HAND) || detected(frame, RIGHT_HAND);
const point = (frame, i) => [frame[i * 3], frame[i * 3 + 1]];
const distance = ([ax, ay], [bx, by]) => Math.fround(Math.hypot(Math.fround(ax - bx), Math.fround(ay - by)));

export function shoulderWidth(frames) {
  const widths = frames.map((f) => distance(point(f, SHOULDERS[0]), point(f, SHOULDERS[1])))
    .filter((w) => !Number.isNaN(w)).sort((a, b) => a - b);
  if (!widths.length) return FALLBACK_SHOULDER_WIDTH;
  const mid = widths.length >> 1;
  return widths.length % 2 ? widths[mid] : Math.fround((widths[mid - 1] + widths[mid]) / 2);
}

// (T) speed of the faster detected wrist in shoulder widths per second, NaN = unknown: the wrist's
// displacement across a centred window of `windowS` (frames t-h to t+h, clamped to the clip) over its time.
export function handSpeed(frames, fps, windowS) {
  const width = shoulderWidth(frames);
  const half = Math.max(1, pyRound((windowS * fps) / 2));
  const last = frames.length - 1;
  return frames.map((_, t) => {
    const ahead = frames[Math.min(t + half, last)], behind = frames[Math.max(t - half, 0)];
    const moved = [LEFT_HAND, RIGHT_HAND].map((w) => distance(point(ahead, w), point(behind, w)))
      .filter((m) => !Number.isNaN(m));
    if (!moved.length) return NaN;
    return Math.fround(Math.fround(Math.fround(Math.max(...moved) * fps) / (2 * half)) / width);
  });
}

export function findSegments(frames, fps, rule) {
  const speed = handSpeed(frames, fps, rule.smooth_s);
  const active = frames.map((f, t) =>
    hasHand(f) && (Number.isNaN(speed[t]) || speed[t] > rule.rest_speed));
  const merged = [];
  let start = null;
  for (let t = 0; t <= active.length; t++) {
    if (t < active.length && active[t]) { if (start === null) start = t; continue; }
    if (start === null) continue;
    const last = merged.at(-1);
    if (last && (start - last[1]) / fps < rule.min_rest_s) last[1] = t;
    else merged.push([start, t]);
    start = null;
  }
  const pad = pyRound(rule.pad_s * fps);
  return merged.filter(([a, b]) => (b - a) / fps >= rule.min_sign_s)
    .map(([a, b]) => [Math.max(0, a - pad), Math.min(frames.length, b + pad)]);
}

// Frames tracked at irregular times, put on a regular grid of `fps` (each grid point takes the last frame
// at or before it), growing as frames arrive.
export class Resampler {
  constructor(fps) { this.fps = fps; this.times = []; this.frames = []; this.out = []; this.index = 0; }

  push(frame, time) {
    this.times.push(time);
    this.frames.push(frame);
    const t0 = this.times[0];
    const length = Math.floor((time - t0) * this.fps + 1e-9) + 1;
    while (this.out.length < length) {
      const grid = t0 + this.out.length / this.fps;
      while (this.index + 1 < this.times.length && this.times[this.index + 1] <= grid + 1e-9) this.index++;
      this.out.push(this.frames[this.index]);
    }
    return this.out;
  }
}
