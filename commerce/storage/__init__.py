"""File storage: the BlobStore port and its adapters (local folder, S3)."""

from commerce.storage.local import LocalBlobStore
from commerce.storage.port import BlobStore, StoredBlob, attachment_disposition, blob_store, validate_key
from commerce.storage.signing import ExpiredDownloadLink, InvalidDownloadLink, VerifiedDownload

__all__ = [
    "blob_store",
    "BlobStore",
    "ExpiredDownloadLink",
    "InvalidDownloadLink",
    "LocalBlobStore",
    "StoredBlob",
    "VerifiedDownload",
    "attachment_disposition",
    "validate_key",
]
