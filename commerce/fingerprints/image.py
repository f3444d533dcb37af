"""An image's fingerprint: in its metadata, and in the picture itself.

The signal layer is the `blind-watermark` library's DWT-DCT-SVD watermark. It is
embedded on a working copy of fixed size (about 512 pixels on the long side, each
side a whole odd number of 8-pixel blocks so every bit is spread over all rows and
columns) and the difference is scaled back onto the full image; reading scales the
suspect to that working size again. That makes the mark survive resizing and JPEG
re-encoding. A crop moves the block grid: when the seller's original is known, the
suspect is registered onto it with OpenCV (ORB features, a RANSAC similarity
transform) and only the blocks the suspect still covers are counted.

The metadata layer is a PNG text chunk, a JPEG comment or WebP XMP.
"""

from __future__ import annotations

import io
import multiprocessing
from collections.abc import Iterable
from contextlib import nullcontext
from dataclasses import dataclass
from unittest import mock

import cv2
import numpy as np
from PIL import Image

from commerce.fingerprints.evidence import LayerEvidence, LayerOutcome, judge
from commerce.fingerprints.payload import PAYLOAD_BITS, as_text, check, from_text, image_seeds

# blind-watermark's pool module calls multiprocessing.set_start_method("fork") on import,
# which raises once the process has chosen a start method: Reflex's backend-only production
# start (scripts/start-production.sh) chooses "fork" before it imports the app. We run the
# library in one process, so its choice is not needed then and the call is skipped.
with (
    mock.patch.object(multiprocessing, "set_start_method")
    if multiprocessing.get_start_method(allow_none=True)
    else nullcontext()
):
    from blind_watermark import WaterMark, bw_notes  # type: ignore[import-untyped]

bw_notes.close()  # the library prints a banner once per process otherwise

WORKING_SIDE = 512
BLOCK = 8  # a 4x4 block of the first wavelet level covers 8x8 pixels
LAYER_SIGNAL = "Image signal (DWT-DCT-SVD watermark)"
LAYER_META = "Image metadata"
# The mean distance of bit readings from 0.5 above which a watermark is present: an
# unmarked picture reads about 0.08, a marked one 0.2-0.5 after the attacks we test.
PRESENT_MARGIN = 0.15
FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}
META_KEY = "Fingerprint"


class NotAnImage(ValueError):
    pass


def working_size(height: int, width: int) -> tuple[int, int]:
    """(width, height) of the working copy: an odd number of blocks on each side."""
    scale = WORKING_SIDE / max(height, width)

    def side(n: int) -> int:
        return (max(3, round(n * scale / BLOCK)) | 1) * BLOCK

    return side(width), side(height)


def _decode(data: bytes) -> tuple[Image.Image, np.ndarray, np.ndarray | None]:
    try:
        picture = Image.open(io.BytesIO(data))
        picture.load()
    except Exception as error:
        raise NotAnImage(str(error)) from None
    if picture.format not in FORMATS:
        raise NotAnImage(f"{picture.format} images are not fingerprinted")
    alpha = None
    if picture.mode in ("RGBA", "LA", "PA") or (picture.mode == "P" and "transparency" in picture.info):
        rgba = np.asarray(picture.convert("RGBA"))
        alpha = rgba[:, :, 3]
        rgb = rgba[:, :, :3]
    else:
        rgb = np.asarray(picture.convert("RGB"))
    return picture, cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), alpha


def _watermarker(key: bytes) -> WaterMark:
    image_seed, bit_seed = image_seeds(key)
    return WaterMark(password_img=image_seed, password_wm=bit_seed)


def mark_image(data: bytes, payload: bytes, key: bytes) -> tuple[bytes, str]:
    """The image in `data` carrying `payload`, in its own format; and that format's MIME type."""
    picture, bgr, alpha = _decode(data)
    height, width = bgr.shape[:2]
    if min(height, width) < 64:
        raise NotAnImage("too small to carry a watermark")
    size = working_size(height, width)
    small = cv2.resize(bgr, size, interpolation=cv2.INTER_AREA).astype(np.float32)
    marker = _watermarker(key)
    marker.read_img(img=small)
    bits = np.unpackbits(np.frombuffer(payload, dtype=np.uint8)).astype(bool)
    marker.read_wm(bits, mode="bit")
    residual = marker.embed().astype(np.float32) - small
    marked = bgr.astype(np.float32) + cv2.resize(residual, (width, height), interpolation=cv2.INTER_LINEAR)
    rgb = cv2.cvtColor(np.clip(np.rint(marked), 0, 255).astype(np.uint8), cv2.COLOR_BGR2RGB)
    result = Image.fromarray(np.dstack([rgb, alpha]) if alpha is not None else rgb)
    text = as_text(payload)
    out = io.BytesIO()
    fmt = picture.format or "PNG"
    if fmt == "PNG":
        from PIL.PngImagePlugin import PngInfo

        info = PngInfo()
        info.add_text(META_KEY, text)
        result.save(out, "PNG", pnginfo=info, optimize=False)
    elif fmt == "JPEG":
        result.save(out, "JPEG", quality=95, comment=text.encode())
    else:
        result.save(out, "WEBP", quality=95, xmp=f"<x:xmpmeta>{META_KEY}={text}</x:xmpmeta>".encode())
    return out.getvalue(), FORMATS[fmt]


def _metadata_payload(picture: Image.Image) -> bytes | None:
    texts = [str(value) for value in picture.info.values() if isinstance(value, str | bytes)]
    texts += [str(value) for value in getattr(picture, "text", {}).values()]
    for text in texts:
        found = from_text(text if isinstance(text, str) else text.decode("latin-1"))
        if found is not None:
            return found
    return None


@dataclass(frozen=True)
class _SignalReading:
    payload: bytes
    margin: float  # mean distance of the bit readings from 0.5


def _read_signal(key: bytes, bgr: np.ndarray, valid: np.ndarray | None = None) -> _SignalReading | None:
    size = working_size(*bgr.shape[:2])
    small = cv2.resize(bgr, size, interpolation=cv2.INTER_AREA).astype(np.float32)
    reader = _watermarker(key)
    reader.wm_size = PAYLOAD_BITS
    core = reader.bwm_core
    core.wm_size = PAYLOAD_BITS
    raw = core.extract_raw(img=small)  # one reading per block and colour channel
    rows, cols = core.ca_block_shape[:2]
    if valid is not None:
        mask = cv2.resize(valid, size, interpolation=cv2.INTER_AREA)
        usable = np.array(
            [
                mask[r * BLOCK : r * BLOCK + BLOCK, c * BLOCK : c * BLOCK + BLOCK].min() >= 250
                for r in range(rows)
                for c in range(cols)
            ]
        )
    else:
        usable = np.ones(rows * cols, dtype=bool)
    averages = np.empty(PAYLOAD_BITS)
    for bit in range(PAYLOAD_BITS):
        chosen = raw[:, bit::PAYLOAD_BITS][:, usable[bit::PAYLOAD_BITS]]
        if chosen.size == 0:
            return None
        averages[bit] = chosen.mean()
    averages = reader.extract_decrypt(averages)
    bits = (averages > 0.5).astype(np.uint8)
    return _SignalReading(payload=np.packbits(bits).tobytes(), margin=float(np.abs(averages - 0.5).mean()))


def _register(original: np.ndarray, suspect: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """The suspect warped onto the original's frame and the mask of pixels it covers."""
    orb = cv2.ORB_create(3000)  # type: ignore[attr-defined]
    gray_o = cv2.cvtColor(original, cv2.COLOR_BGR2GRAY)
    gray_s = cv2.cvtColor(suspect, cv2.COLOR_BGR2GRAY)
    keys_o, desc_o = orb.detectAndCompute(gray_o, None)
    keys_s, desc_s = orb.detectAndCompute(gray_s, None)
    if desc_o is None or desc_s is None or len(keys_o) < 10 or len(keys_s) < 10:
        return None
    matches = cv2.BFMatcher(cv2.NORM_HAMMING, crossCheck=True).match(desc_s, desc_o)
    if len(matches) < 10:
        return None
    src = np.array([keys_s[m.queryIdx].pt for m in matches], dtype=np.float32)
    dst = np.array([keys_o[m.trainIdx].pt for m in matches], dtype=np.float32)
    transform, inliers = cv2.estimateAffinePartial2D(src, dst, method=cv2.RANSAC, ransacReprojThreshold=2.0)
    if transform is None or inliers is None or int(inliers.sum()) < 10:
        return None
    height, width = original.shape[:2]
    warped = cv2.warpAffine(suspect, transform, (width, height), flags=cv2.INTER_LINEAR)
    covered = cv2.warpAffine(
        np.full(suspect.shape[:2], 255, np.uint8), transform, (width, height), flags=cv2.INTER_NEAREST
    )
    warped[covered == 0] = original[covered == 0]
    return warped, covered


def read_image(data: bytes, key: bytes, originals: Iterable[bytes] = ()) -> list[LayerEvidence]:
    """Both layers of a suspect image; `originals` are the seller's unmarked images to
    register a cropped copy against (tried only when reading it as it is fails)."""
    picture, bgr, _ = _decode(data)
    evidence = [judge(key, LAYER_META, _metadata_payload(picture))]
    best = _read_signal(key, bgr)
    if best is not None and check(key, best.payload).genuine:
        evidence.append(judge(key, LAYER_SIGNAL, best.payload, f"read as is, bit margin {best.margin:.2f}"))
        return evidence
    for original_data in originals:
        try:
            _, original, _ = _decode(original_data)
        except NotAnImage:
            continue
        registered = _register(original, bgr)
        if registered is None:
            continue
        reading = _read_signal(key, *registered)
        if reading is not None and check(key, reading.payload).genuine:
            detail = f"after aligning it with the seller's original, bit margin {reading.margin:.2f}"
            evidence.append(judge(key, LAYER_SIGNAL, reading.payload, detail))
            return evidence
        if reading is not None and (best is None or reading.margin > best.margin):
            best = reading
    if best is not None and best.margin >= PRESENT_MARGIN:
        # A watermark is clearly there, but what it says does not verify.
        evidence.append(judge(key, LAYER_SIGNAL, best.payload, f"bit margin {best.margin:.2f}"))
    else:
        evidence.append(LayerEvidence(layer=LAYER_SIGNAL, outcome=LayerOutcome.ABSENT))
    return evidence
