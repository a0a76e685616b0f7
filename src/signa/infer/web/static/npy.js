// NumPy .npy files of float32 landmarks (frames, 543, 3), NaN = missing: what `np.load` reads.
const MAGIC = "\x93NUMPY";

export function writeNpy(frames, points = 543) {
  const shape = `(${frames.length}, ${points}, 3)`;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shape}, }`;
  const unpadded = MAGIC.length + 4 + header.length + 1;
  header += " ".repeat((64 - (unpadded % 64)) % 64) + "\n";
  const head = new Uint8Array(MAGIC.length + 4 + header.length);
  for (let i = 0; i < MAGIC.length; i++) head[i] = MAGIC.charCodeAt(i);
  head[6] = 1;
  head[7] = 0;
  new DataView(head.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) head[10 + i] = header.charCodeAt(i);
  return new Blob([head, ...frames], { type: "application/octet-stream" });
}

// Frames of a (T, 543, 3) little-endian float32 or float64 .npy file; throws a readable Error otherwise.
export function readNpy(buffer, points = 543) {
  const bytes = new Uint8Array(buffer);
  const magic = String.fromCharCode(...bytes.slice(0, 6));
  if (magic !== MAGIC) throw new Error("not a .npy file");
  const view = new DataView(buffer);
  const major = bytes[6];
  const length = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  const header = new TextDecoder().decode(bytes.slice(start, start + length));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1].split(",").map((s) => s.trim()).filter(Boolean).map(Number);
  if (/True/.test(/'fortran_order':\s*(\w+)/.exec(header)?.[1] ?? "")) throw new Error("fortran-order .npy is not supported");
  if (!shape || shape.length !== 3 || shape[1] !== points || shape[2] !== 3) {
    throw new Error(`landmarks must have shape (frames, ${points}, 3), got (${shape})`);
  }
  const Type = { "<f4": Float32Array, "<f8": Float64Array }[descr];
  if (!Type) throw new Error(`landmarks must be float32 or float64, got ${descr}`);
  const data = new Type(buffer.slice(start + length));
  const size = points * 3;
  return Array.from({ length: shape[0] }, (_, t) => Float32Array.from(data.subarray(t * size, (t + 1) * size)));
}
