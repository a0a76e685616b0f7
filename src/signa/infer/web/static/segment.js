// Pause segmentation of a stream of frames: a segment runs from the first frame with a hand to the last one
// before a pause of `min_pause_frames` frames without hands; segments shorter than `min_frames` are dropped.
export class Segmenter {
  constructor({ min_pause_frames, min_frames }) {
    this.minPause = min_pause_frames;
    this.minFrames = min_frames;
    this.start = null;
    this.last = null;
  }

  // Feeds frame `index`; returns the [start, end) segment this frame closed, or null.
  push(index, active) {
    if (active) {
      if (this.start === null) this.start = index;
      this.last = index;
      return null;
    }
    if (this.start !== null && index - this.last >= this.minPause) return this.flush();
    return null;
  }

  // The open segment so far, [start, end), or null.
  current() {
    return this.start === null ? null : [this.start, this.last + 1];
  }

  // Closes the open segment (end of the stream); returns it if it is long enough.
  flush() {
    const segment = this.current();
    this.start = this.last = null;
    return segment && segment[1] - segment[0] >= this.minFrames ? segment : null;
  }
}
