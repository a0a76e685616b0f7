// Draws a Holistic frame (543 points: face 468, left hand 21, pose 33, right hand 21) over the picture.
const FACE = [0, 468], LEFT = 468, POSE = 489, RIGHT = 522;
const POSE_EDGES = [
  [11, 12], [11, 13], [13, 15], [15, 17], [15, 19], [15, 21], [17, 19], [12, 14], [14, 16], [16, 18],
  [16, 20], [16, 22], [18, 20], [11, 23], [12, 24], [23, 24], [0, 1], [1, 2], [2, 3], [3, 7], [0, 4],
  [4, 5], [5, 6], [6, 8], [9, 10],
];
const HAND_EDGES = [
  [0, 1], [1, 2], [2, 3], [3, 4], [0, 5], [5, 6], [6, 7], [7, 8], [5, 9], [9, 10], [10, 11], [11, 12],
  [9, 13], [13, 14], [14, 15], [15, 16], [13, 17], [0, 17], [17, 18], [18, 19], [19, 20],
];

// `frame`: Float32Array of 543*3 (x, y, z; NaN = missing) or of 543*2 (x, y). `picture` (optional): an image
// drawn under the skeleton, so that the canvas keeps the last camera picture once the camera is off.
export function drawSkeleton(canvas, frame, width, height, stride = 3, picture = null) {
  if (canvas.width !== width || canvas.height !== height) {
    canvas.width = width;
    canvas.height = height;
  }
  const ctx = canvas.getContext("2d");
  ctx.clearRect(0, 0, width, height);
  if (picture) ctx.drawImage(picture, 0, 0, width, height);
  if (!frame) return;
  const at = (i) => [frame[i * stride] * width, frame[i * stride + 1] * height];
  const ok = (i) => Number.isFinite(frame[i * stride]);
  const scale = Math.max(1.5, width / 320);
  ctx.lineCap = "round";
  edges(ctx, at, ok, POSE, POSE_EDGES, "rgba(255,255,255,0.85)", scale * 1.6);
  edges(ctx, at, ok, LEFT, HAND_EDGES, "#ffb300", scale * 1.4);
  edges(ctx, at, ok, RIGHT, HAND_EDGES, "#29b6f6", scale * 1.4);
  dots(ctx, at, ok, FACE[0], FACE[1], "rgba(165,214,167,0.85)", scale * 0.7);
  dots(ctx, at, ok, LEFT, LEFT + 21, "#ffe082", scale * 1.2);
  dots(ctx, at, ok, RIGHT, RIGHT + 21, "#b3e5fc", scale * 1.2);
  dots(ctx, at, ok, POSE, POSE + 25, "#ffffff", scale * 1.2);
}

function edges(ctx, at, ok, offset, list, color, width) {
  ctx.strokeStyle = color;
  ctx.lineWidth = width;
  ctx.beginPath();
  for (const [a, b] of list) {
    if (!ok(offset + a) || !ok(offset + b)) continue;
    const [x1, y1] = at(offset + a), [x2, y2] = at(offset + b);
    ctx.moveTo(x1, y1);
    ctx.lineTo(x2, y2);
  }
  ctx.stroke();
}

function dots(ctx, at, ok, start, end, color, radius) {
  ctx.fillStyle = color;
  ctx.beginPath();
  for (let i = start; i < end; i++) {
    if (!ok(i)) continue;
    const [x, y] = at(i);
    ctx.moveTo(x + radius, y);
    ctx.arc(x, y, radius, 0, 2 * Math.PI);
  }
  ctx.fill();
}
