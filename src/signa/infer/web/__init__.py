"""``signa serve``: a page that turns a camera, a video or a landmark file into text.

Private mode (models with an ONNX export): MediaPipe Holistic and ONNX Runtime Web run in the page, and
the server only serves static files. Server mode: the page uploads a video and the server translates it.
FastAPI and uvicorn come with the ``web`` extra; nothing here is imported by ``import signa``.
"""
