"""The product-file uploader: Uppy's Dashboard with its AWS S3 uploader, wrapped for Reflex.

Uppy (npm packages, pinned below) sends each file in 8 MiB parts through the app's
upload routes (`storefront/api_uploads.py`, which speak the protocol of Uppy's own
Companion server): with S3 the parts go from the browser straight to the bucket, with
the local store to the app's part route. The Dashboard shows what a person waits for:
bytes sent of the total, the percentage and the time left, with pause, resume, retry
and cancel; a part lost with the connection is sent again and the upload resumes from
the parts that landed (the uploader lists them first) once the browser is back online.

Only a few lines of glue are JavaScript (the `ProductFileUploader` function below): they
make the Uppy instance for the product's upload address, resume when the browser is back
online, ask before leaving the page mid-upload, and report to the page's state when a
file has landed (`on_uploaded`) and when the uploader starts or stops being busy
(`on_busy`).
"""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.event import EventHandler, passthrough_event_spec
from reflex.vars.base import Var

from commerce.storage.multipart import PART_SIZE

UPPY_CORE = "@uppy/core@6.3.1"
UPPY_AWS_S3 = "@uppy/aws-s3@6.3.1"
UPPY_DASHBOARD = "@uppy/dashboard@6.0.3"
UPPY_REACT = "@uppy/react@6.1.1"

_GLUE = """
function ProductFileUploader({ endpoint, maxFileSize, maxNumberOfFiles, note, height, onUploaded, onBusy, id }) {
  const [uppy] = useState(() => new Uppy({
    id: "product-files",
    autoProceed: false,
    allowMultipleUploadBatches: false,
    restrictions: { maxFileSize, maxNumberOfFiles, minFileSize: 1 },
  }).use(AwsS3, {
    companionEndpoint: endpoint,
    shouldUseMultipart: true,
    getChunkSize: () => PART_SIZE,
    limit: 2,
    generateObjectKey: (file) => file.name,
  }));
  useEffect(() => {
    const plugin = uppy.getPlugin("AwsS3");
    if (plugin && plugin.opts.companionEndpoint !== endpoint) {
      uppy.cancelAll();
      uppy.removePlugin(plugin);
      uppy.use(AwsS3, { ...plugin.opts, companionEndpoint: endpoint });
    }
  }, [uppy, endpoint]);
  useEffect(() => {
    const sized = (file) => uppy.setFileMeta(file.id, { size: file.size });
    const landed = (file) => onUploaded && onUploaded(file ? file.name : "");
    const started = () => onBusy && onBusy(true);
    const stopped = () => onBusy && onBusy(false);
    const resume = () => uppy.retryAll();
    const guard = (event) => {
      const sending = (f) => f.progress.uploadStarted && !f.progress.uploadComplete;
      if (uppy.getFiles().some(sending)) {
        event.preventDefault();
        event.returnValue = "";
      }
    };
    uppy.on("file-added", sized);
    uppy.on("upload-success", landed);
    uppy.on("upload", started);
    uppy.on("complete", stopped);
    uppy.on("cancel-all", stopped);
    uppy.on("error", stopped);
    uppy.on("back-online", resume);
    window.addEventListener("beforeunload", guard);
    return () => {
      uppy.off("file-added", sized);
      uppy.off("upload-success", landed);
      uppy.off("upload", started);
      uppy.off("complete", stopped);
      uppy.off("cancel-all", stopped);
      uppy.off("error", stopped);
      uppy.off("back-online", resume);
      window.removeEventListener("beforeunload", guard);
    };
  }, [uppy, onUploaded, onBusy]);
  useEffect(() => () => uppy.destroy(), [uppy]);
  return createElement("div", { id, style: { width: "100%" } }, createElement(Dashboard, {
    uppy,
    width: "100%",
    height,
    note,
    theme: "auto",
    proudlyDisplayPoweredByUppy: false,
    showRemoveButtonAfterComplete: false,
    doneButtonHandler: () => uppy.clear(),
  }));
}
""".replace("PART_SIZE", str(PART_SIZE))


class ProductFileUploader(rx.Component):
    """Uppy's Dashboard sending files to `endpoint` (a product's upload routes)."""

    tag = "ProductFileUploader"
    lib_dependencies: list[str] = [UPPY_CORE, UPPY_AWS_S3, UPPY_DASHBOARD, UPPY_REACT]

    endpoint: Var[str]
    max_file_size: Var[int]
    max_number_of_files: Var[int]
    note: Var[str]
    height: Var[int]

    # A file landed whole and is listed in the product (its name).
    on_uploaded: EventHandler[passthrough_event_spec(str)]
    # The uploader started (True) or stopped (False) sending files.
    on_busy: EventHandler[passthrough_event_spec(bool)]

    def add_imports(self) -> dict[str, Any]:
        return {
            "react": ["useState", "useEffect", "createElement"],
            "@uppy/core": rx.ImportVar(tag="Uppy", is_default=True),
            "@uppy/aws-s3": rx.ImportVar(tag="AwsS3", is_default=True),
            "@uppy/react/dashboard": rx.ImportVar(tag="Dashboard", is_default=True),
            "": ["@uppy/core/css/style.min.css", "@uppy/dashboard/css/style.min.css"],
        }

    def add_custom_code(self) -> list[str]:
        return [_GLUE]


product_file_uploader = ProductFileUploader.create


def labelled_upload(*children: rx.Component, label: str, **props) -> rx.Component:
    """`rx.upload` (react-dropzone) whose file input has an accessible name: the dropzone
    renders a bare <input type=file> that takes no props, so a screen reader or voice
    control user would meet a nameless control. `label` says what the files are for."""
    zone = rx.upload(*children, **props)
    pending = list(zone.children)
    while pending:
        child = pending.pop()
        if getattr(child, "tag", None) == "input":
            child.custom_attrs["aria-label"] = label
            return zone
        pending.extend(child.children)
    raise ValueError("rx.upload rendered no file input to label")
