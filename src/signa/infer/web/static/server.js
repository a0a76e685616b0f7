// Server mode: the file goes to this server (POST /api/translate), which answers with the translation and
// the landmarks of every frame; the page then plays the video with that skeleton drawn over it.
import { drawSkeleton } from "./skeleton.js";
import { view } from "./view.js";

export async function translateOnServer(file) {
  const form = new FormData();
  form.append("file", file, file.name);
  const response = await fetch("/api/translate", { method: "POST", body: form });
  const body = await response.json().catch(() => ({ error: `the server answered ${response.status}` }));
  if (!response.ok) throw new Error(body.error || `the server answered ${response.status}`);
  return body;
}

// Shows the server's answer, and animates its skeleton over the video. The skeleton is drawn alone for a
// landmark file, or for a video whose codec this browser cannot show (HEVC in Chromium on Linux, say).
export function showServerAnswer(answer, video, canvas, fileUrl, onNoPicture) {
  view.timeline(answer.segments);
  view.live(answer.segments.length ? summary(answer) : { text: answer.message || "" });
  const frames = answer.landmarks.map((row) => Float32Array.from(row, (v) => (v === null ? NaN : v)));
  const width = answer.width || 640, height = answer.height || 480;
  const draw = (index) => drawSkeleton(canvas, frames[Math.min(index, frames.length - 1)], width, height, 2);
  let timer = null;
  const alone = () => {
    let index = 0;
    timer = setInterval(() => draw(index++ % frames.length), 1000 / (answer.fps || 30));
  };
  if (!fileUrl) {
    alone();
    return () => clearInterval(timer);
  }
  video.srcObject = null;
  video.src = fileUrl;
  video.loop = true;
  video.addEventListener("loadeddata", () => {
    if (video.videoWidth) return;
    onNoPicture?.();
    alone();
  }, { once: true });
  const tick = (_, meta) => {
    draw(Math.floor(meta.mediaTime * answer.fps + 1e-3));
    video.requestVideoFrameCallback(tick);
  };
  video.requestVideoFrameCallback(tick);
  video.play();
  return () => {
    clearInterval(timer);
    video.pause();
  };
}

function summary(answer) {
  const parts = answer.segments.map((s) => s.sign ?? s.text).filter(Boolean);
  const confidences = answer.segments.map((s) => s.confidence).filter((c) => c != null);
  const mean = confidences.length ? confidences.reduce((a, b) => a + b, 0) / confidences.length : null;
  return { text: parts.join(" "), confidence: mean };
}
