// The page: picks the mode, wires the buttons, and exposes its state as `window.signa` (for tests and curious
// users). Private mode loads MediaPipe Holistic and the ONNX model from this server's static files only.
import { writeNpy, readNpy } from "./npy.js";
import { PrivateSession } from "./private.js";
import { loadRecognizer } from "./recognizer.js";
import { showServerAnswer, translateOnServer } from "./server.js";
import { drawSkeleton } from "./skeleton.js";
import { loadTracker } from "./tracker.js";
import { view } from "./view.js";

const config = JSON.parse(document.getElementById("signa-config").textContent);
const $ = (id) => document.getElementById(id);
const video = $("video"), canvas = $("overlay"), stage = $("stage");
const state = { config, mode: config.private ? "private" : "server", session: null, ready: false, answer: null };
window.signa = state;

let engines = null; // {tracker, recognizer}, loaded once
let stopShowing = () => {};

function setMode(mode) {
  state.mode = mode;
  $(`mode-${mode}`).checked = true;
  $("privacy").textContent = mode === "private"
    ? "Private: the camera, landmarks and text stay in this page."
    : "Server mode: files you open are uploaded to this server and deleted after the answer.";
  $("camera").disabled = mode !== "private";
  $("result-title").textContent = config.task === "signs" ? "Sign" : "Text";
}

async function privateEngines() {
  if (!engines) {
    view.status("loading MediaPipe Holistic and the model…");
    const [tracker, recognizer] = await Promise.all([loadTracker(), loadRecognizer(config)]);
    engines = { tracker, recognizer };
  }
  return engines;
}

function begin() {
  stopShowing();
  state.session?.stop();
  state.answer = null;
  view.reset();
  $("placeholder").hidden = true;
  drawSkeleton(canvas, null, canvas.width, canvas.height);
}

async function startPrivate(source, timeOf) {
  const { tracker, recognizer } = await privateEngines();
  tracker.reset();
  const session = new PrivateSession({ config, tracker, recognizer, video, canvas });
  state.session = session;
  $("stop").disabled = false;
  $("download").disabled = false;
  view.status(source);
  await session.run(timeOf);
  view.status(`${source}: stopped after ${session.tracked} frames (${session.frames.length} at ${config.segmentation.fps} fps)`);
  $("stop").disabled = true;
}

async function startCamera() {
  begin();
  const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: false });
  video.srcObject = stream;
  stage.classList.add("mirrored");
  await video.play();
  const t0 = performance.now();
  await startPrivate("camera", () => (performance.now() - t0) / 1000);
  stream.getTracks().forEach((track) => track.stop());
}

async function openVideo(file) {
  begin();
  stage.classList.remove("mirrored");
  const url = URL.createObjectURL(file);
  if (state.mode === "server") return serverTranslate(file, url);
  video.srcObject = null;
  video.src = url;
  video.loop = false;
  await video.play();
  if (!video.videoWidth) throw new Error("this browser cannot decode this video's picture (codec); use server mode");
  await startPrivate(file.name, () => video.currentTime);
}

async function openLandmarks(file) {
  begin();
  if (state.mode === "server" || !file.name.endsWith(".npy")) {
    if (state.mode === "private") throw new Error("private mode reads .npy landmark files; use server mode for .parquet and .pose");
    return serverTranslate(file, null);
  }
  const frames = readNpy(await file.arrayBuffer());
  const { tracker, recognizer } = await privateEngines();
  const session = new PrivateSession({ config, tracker, recognizer, video, canvas });
  state.session = session;
  await session.runFrames(frames);
  $("download").disabled = false;
  view.status(`${file.name}: ${frames.length} frames`);
  let index = 0;
  const timer = setInterval(() => drawSkeleton(canvas, frames[index++ % frames.length], 640, 480), 1000 / 30);
  stopShowing = () => clearInterval(timer);
}

async function serverTranslate(file, url) {
  view.status(`uploading ${file.name} to the server…`);
  const answer = await translateOnServer(file);
  state.answer = answer;
  const done = `${file.name}: ${answer.frames} frames translated on the server in ${answer.seconds.toFixed(1)} s`;
  const noPicture = () => view.status(`${done}; this browser cannot show this video's picture (codec)`);
  stopShowing = showServerAnswer(answer, video, canvas, url, noPicture);
  view.stats({ frames: answer.frames });
  view.status(done);
}

function download() {
  const link = document.createElement("a");
  link.href = URL.createObjectURL(writeNpy(state.session.frames));
  link.download = "signa-landmarks.npy";
  link.click();
}

function guarded(action) {
  return async (...args) => {
    try {
      await action(...args);
    } catch (err) {
      view.error(err.message || String(err));
      view.status("");
    }
  };
}

$("camera").addEventListener("click", guarded(startCamera));
$("stop").addEventListener("click", () => state.session?.stop());
$("download").addEventListener("click", download);
$("video-file").addEventListener("change", guarded((e) => openVideo(e.target.files[0])));
$("landmark-file").addEventListener("change", guarded((e) => openLandmarks(e.target.files[0])));
for (const mode of ["private", "server"]) $(`mode-${mode}`).addEventListener("change", () => setMode(mode));
$("mode-private").disabled = !config.private;
setMode(state.mode);

if (state.mode === "private") {
  guarded(async () => {
    await privateEngines();
    view.status("ready: start the camera or open a file");
    state.ready = true;
  })();
} else {
  view.status("ready (server mode): open a video or a landmark file");
  state.ready = true;
}
