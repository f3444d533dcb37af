// The online reader's video player: plays an HLS playlist with hls.js (bundled from npm,
// never loaded from a CDN), or natively where the browser plays HLS itself (Safari), and
// falls back to the ranged stream when there is no playlist yet or hls.js gives up.
// Wrapped for Reflex by components/hls_video.py.
import { createElement, useEffect, useRef } from "react";
import Hls from "hls.js";

export function HlsVideo({ src, fallbackSrc, ref: outer, ...props }) {
  const ref = useRef(null);
  // Reflex hands every component with an id a ref of its own: keep it pointing at the video too.
  const setRef = (element) => {
    ref.current = element;
    if (typeof outer === "function") outer(element);
    else if (outer) outer.current = element;
  };
  useEffect(() => {
    const video = ref.current;
    if (!video) return undefined;
    const fallBack = (state) => {
      video.dataset.hls = state;
      if (fallbackSrc) video.src = fallbackSrc;
    };
    if (!src) {
      fallBack("none");
      return undefined;
    }
    if (Hls.isSupported()) {
      // No worker: the page's Content-Security-Policy allows scripts from this origin only.
      const hls = new Hls({ enableWorker: false });
      let done = false;
      hls.on(Hls.Events.MANIFEST_PARSED, () => {
        video.dataset.hls = "ready";
      });
      hls.on(Hls.Events.FRAG_BUFFERED, () => {
        video.dataset.hls = "playing";
      });
      hls.on(Hls.Events.ERROR, (_event, data) => {
        if (!data.fatal || done) return;
        done = true;
        hls.destroy();
        fallBack("failed");
      });
      video.dataset.hls = "loading";
      hls.loadSource(src);
      hls.attachMedia(video);
      return () => {
        done = true;
        hls.destroy();
      };
    }
    if (video.canPlayType("application/vnd.apple.mpegurl")) {
      video.dataset.hls = "native";
      video.src = src;
      return undefined;
    }
    fallBack("unsupported");
    return undefined;
  }, [src, fallbackSrc]);
  return createElement("video", { ...props, ref: setRef });
}
