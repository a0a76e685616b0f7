// Landmarks as NumPy .npy files. The page saves the MP_Data layout that SIGNA's readers (signa predict,
// signa translate, server mode) read: (frames, 1662) float32, each frame pose 33 x (x, y, z, visibility),
// face 468 x 3, left hand 21 x 3, right hand 21 x 3, an undetected part all zeros (visibility is not
// tracked: 0). It reads that layout back, or a (frames, 543, 3) array with NaN for missing points.
const MAGIC = "\x93NUMPY";
const WIDTH = 1662;
// [first SIGNA point, points, values stored per point] in MP_Data order
const BLOCKS = [[489, 33, 4], [0, 468, 3], [468, 21, 3], [522, 21, 3]];

function toMpData(frame) {
  const out = new Float32Array(WIDTH);
  let at = 0;
  for (const [first, count, width] of BLOCKS) {
    for (let i = first; i < first + count; i++, at += width) {
      for (let c = 0; c < 3; c++) out[at + c] = Number.isNaN(frame[i * 3 + c]) ? 0 : frame[i * 3 + c];
    }
  }
  return out;
}

function fromMpData(values) {
  const frame = new Float32Array(543 * 3).fill(NaN);
  let at = 0;
  for (const [first, count, width] of BLOCKS) {
    const start = at;
    let detected = false;
    for (let i = 0; i < count; i++) for (let c = 0; c < 3; c++) detected ||= values[start + i * width + c] !== 0;
    for (let i = first; i < first + count; i++, at += width) {
      if (detected) for (let c = 0; c < 3; c++) frame[i * 3 + c] = values[at + c];
    }
  }
  return frame;
}

export function writeNpy(frames) {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${frames.length}, ${WIDTH}), }`;
  const unpadded = MAGIC.length + 4 + header.length + 1;
  header += " ".repeat((64 - (unpadded % 64)) % 64) + "\n";
  const head = new Uint8Array(MAGIC.length + 4 + header.length);
  for (let i = 0; i < MAGIC.length; i++) head[i] = MAGIC.charCodeAt(i);
  head[6] = 1;
  new DataView(head.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) head[10 + i] = header.charCodeAt(i);
  return new Blob([head, ...frames.map(toMpData)], { type: "application/octet-stream" });
}

// Frames (Float32Array(543*3), NaN = missing) of a .npy file; throws a readable Error otherwise.
export function readNpy(buffer) {
  const bytes = new Uint8Array(buffer);
  if (String.fromCharCode(...bytes.slice(0, 6)) !== MAGIC) throw new Error("not a .npy file");
  const view = new DataView(buffer);
  const [start, length] = bytes[6] === 1 ? [10, view.getUint16(8, true)] : [12, view.getUint32(8, true)];
  const header = new TextDecoder().decode(bytes.slice(start, start + length));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const shape = (/'shape':\s*\(([^)]*)\)/.exec(header)?.[1] ?? "").split(",").map((s) => s.trim())
    .filter(Boolean).map(Number);
  if (/'fortran_order':\s*True/.test(header)) throw new Error("fortran-order .npy is not supported");
  const Type = { "<f4": Float32Array, "<f8": Float64Array }[descr];
  if (!Type) throw new Error(`landmarks must be float32 or float64, got ${descr}`);
  const data = new Type(buffer.slice(start + length));
  const frames = shape[0];
  if (shape.length === 2 && shape[1] === WIDTH) {
    return Array.from({ length: frames }, (_, t) => fromMpData(data.subarray(t * WIDTH, (t + 1) * WIDTH)));
  }
  if (shape.length === 3 && shape[1] === 543 && shape[2] === 3) {
    const size = 543 * 3;
    return Array.from({ length: frames }, (_, t) => Float32Array.from(data.subarray(t * size, (t + 1) * size)));
  }
  throw new Error(`landmarks must have shape (frames, 543, 3) or (frames, ${WIDTH}), got (${shape})`);
}
