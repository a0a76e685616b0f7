// What the page shows: the live text, confidence, the transcript or timeline, speed, status and errors.
const $ = (id) => document.getElementById(id);

export const view = {
  status(text) { $("status").textContent = text; },
  error(text) {
    $("error").textContent = text;
    $("error").hidden = !text;
  },
  live(answer) {
    const words = answer ? (answer.sign ?? answer.text) : "";
    $("live").textContent = words || "\u00a0";
    const confidence = answer?.confidence;
    $("confidence").textContent = confidence == null ? "–" : confidence.toFixed(3);
    $("confidence-bar").style.width = `${Math.round((confidence ?? 0) * 100)}%`;
  },
  // Segments: [{start_s, end_s, text|sign, confidence}]
  timeline(segments) {
    const list = $("timeline");
    list.replaceChildren(...segments.map((segment) => {
      const item = document.createElement("li");
      item.textContent = segment.sign ?? (segment.text || "·");
      const when = document.createElement("span");
      when.className = "when";
      const confidence = segment.confidence == null ? "" : ` · ${segment.confidence.toFixed(2)}`;
      when.textContent = `${segment.start_s.toFixed(1)}–${segment.end_s.toFixed(1)} s${confidence}`;
      item.append(when);
      return item;
    }));
  },
  stats({ landmarksFps, modelMs, loopFps, frames }) {
    const show = (value, digits) => (value == null || !Number.isFinite(value) ? "–" : value.toFixed(digits));
    $("fps-landmarks").textContent = show(landmarksFps, 1);
    $("ms-model").textContent = show(modelMs, 1);
    $("fps-loop").textContent = show(loopFps, 1);
    $("frames").textContent = String(frames);
  },
  reset() {
    this.error("");
    this.live(null);
    this.timeline([]);
    this.stats({ frames: 0 });
  },
};

// An exponential moving average, for the speed figures.
export class Average {
  constructor(weight = 0.1) { this.weight = weight; this.value = null; }
  add(x) { this.value = this.value === null ? x : this.value + this.weight * (x - this.value); return this.value; }
}
