"""Import MediaPipe 0.10.14 (the ``video`` extra) beside the protobuf SIGNA's other tools need.

mediapipe 0.10.14, the last release whose wheel ships the Holistic graph and models (later ones
download a model file at run time), declares ``protobuf<5``; onnx and tensorboard need protobuf 6
or later. Installed with ``--no-deps`` beside protobuf 7 it runs once the ``GetPrototype`` method it
still calls is put back, and reproduces the data kit's reference landmarks bit for bit (tested in
``tests/infer/test_video.py``). Its other protobuf 7 incompatibility, ``FieldDescriptor.label``, is
avoided in :mod:`signa.infer.holistic`.
"""

from __future__ import annotations

from signa.errors import SignaError

MEDIAPIPE_VERSION = "0.10.14"
INSTALL_HINT = f"pip install --no-deps mediapipe=={MEDIAPIPE_VERSION} attrs (see README, Install)"


def import_mediapipe():
    """The ``mediapipe`` module, with the protobuf API it expects restored."""
    restore_protobuf_api()
    try:
        import mediapipe
    except ImportError:
        raise SignaError(f"video input needs MediaPipe: {INSTALL_HINT}") from None
    return mediapipe


def restore_protobuf_api() -> None:
    """Put back ``GetPrototype``, which protobuf 5 removed and mediapipe 0.10.14 still calls.

    Both classes get the method only where it is missing, as its documented replacement
    ``message_factory.GetMessageClass``; nothing else in protobuf changes.
    """
    from google.protobuf import message_factory, symbol_database

    def get_prototype(self, descriptor):
        return message_factory.GetMessageClass(descriptor)

    for cls in (message_factory.MessageFactory, symbol_database.SymbolDatabase):
        if not hasattr(cls, "GetPrototype"):
            cls.GetPrototype = get_prototype
