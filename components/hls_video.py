"""A <video> that plays an HLS playlist through hls.js (an npm package bundled into the
app, no script from a CDN), natively where the browser plays HLS (Safari), and the
ranged stream `fallback_src` while there is no playlist or when hls.js gives up.

The React side is `assets/hls_player.js`; its `data-hls` attribute says what it is doing
("loading", "ready", "playing", "native", "none", "failed", "unsupported")."""

from __future__ import annotations

import reflex as rx

HLS_JS = "hls.js@1.7.4"


class HlsVideo(rx.NoSSRComponent):
    library = "$/public/hls_player.js"
    lib_dependencies: list[str] = [HLS_JS]
    tag = "HlsVideo"
    is_default = False

    src: rx.Var[str]
    fallback_src: rx.Var[str]
    controls: rx.Var[bool]
    preload: rx.Var[str]
    width: rx.Var[str]


hls_video = HlsVideo.create
