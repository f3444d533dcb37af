"""BlobStore on Amazon S3 or any S3-compatible service, through boto3.

Objects are encrypted at rest (SSE-S3), uploaded in parts above a size threshold,
and carry their SHA-256 as user metadata. Downloads go straight from S3 through
presigned URLs whose response headers make the browser save the file. Browsers upload
product files straight to the bucket too, in parts, through presigned UploadPart URLs
(the multipart methods; see commerce.storage.multipart).
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Iterator, Mapping
from datetime import timedelta
from typing import IO, BinaryIO, Literal, cast

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import ClientError

from commerce.errors import Conflict, NotFound, ValidationError
from commerce.storage.multipart import (
    HEAD_BYTES,
    PART_SIZE,
    PART_URL_LIFETIME,
    ContentTypeFor,
    UploadedPart,
    check_parts,
    validate_upload_id,
    validate_upload_shape,
)
from commerce.storage.port import (
    CHUNK_SIZE,
    StoredBlob,
    attachment_disposition,
    validate_content_type,
    validate_filename,
    validate_key,
    validate_link_lifetime,
    validate_range,
)

MiB = 1024 * 1024
_MISSING = {"404", "NoSuchKey", "NotFound"}
_MISSING_BUCKET = {"404", "NoSuchBucket", "NotFound"}
_MISSING_UPLOAD = {"404", "NoSuchUpload", "NotFound"}


class S3BlobStore:
    def __init__(
        self,
        bucket: str,
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        multipart_threshold: int = 64 * MiB,
        multipart_chunksize: int = 16 * MiB,
    ):
        self.bucket = bucket
        self.region = region
        # S3-compatible servers (MinIO, Ceph, moto) mostly want path-style URLs;
        # AWS itself picks the right style on its own.
        addressing: Literal["path", "auto"] = "path" if endpoint_url else "auto"
        self._client = boto3.session.Session().client(
            "s3",
            endpoint_url=endpoint_url,
            region_name=region,
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            config=Config(
                signature_version="s3v4",
                s3={"addressing_style": addressing},
                retries={"mode": "standard", "max_attempts": 5},
            ),
        )
        # A 2 GiB file in 16 MiB parts is 128 parts, far below S3's 10,000; four
        # parts in flight keep memory near 64 MiB per upload.
        self._transfer = TransferConfig(
            multipart_threshold=multipart_threshold,
            multipart_chunksize=multipart_chunksize,
            max_concurrency=4,
        )

    def put(self, key: str, stream: BinaryIO, *, content_type: str) -> StoredBlob:
        validate_key(key)
        validate_content_type(content_type)
        # S3 metadata is fixed when an upload starts, so the SHA-256 is worked out
        # in a first pass over the stream; one that cannot rewind is copied to a
        # temporary file on the way (disk, not memory, past 8 MiB).
        with tempfile.SpooledTemporaryFile(max_size=8 * MiB) as spool:
            if _rewindable(stream):
                start = stream.tell()
                sha256, size = _digest(stream, None)
                stream.seek(start)
                body: IO[bytes] = stream
            else:
                sha256, size = _digest(stream, spool)
                spool.seek(0)
                body = spool
            self._client.upload_fileobj(
                body,
                self.bucket,
                key,
                ExtraArgs={
                    "ContentType": content_type,
                    "ServerSideEncryption": "AES256",
                    "Metadata": {"sha256": sha256},
                },
                Config=self._transfer,
            )
        return StoredBlob(key=key, size=size, sha256=sha256, content_type=content_type)

    # -- multipart uploads straight from the browser (see commerce.storage.multipart) --

    def start_multipart(self, key: str, *, size: int, part_size: int = PART_SIZE) -> str:
        validate_key(key)
        validate_upload_shape(size, part_size)
        response = self._client.create_multipart_upload(
            Bucket=self.bucket, Key=key, ContentType="application/octet-stream", ServerSideEncryption="AES256"
        )
        return response["UploadId"]

    def part_upload_url(self, key: str, upload_id: str, part_number: int) -> str:
        validate_key(key)
        validate_upload_id(upload_id)
        if not 1 <= part_number <= 10_000:
            raise ValidationError(f"Part {part_number} is outside what S3 accepts.")
        return self._client.generate_presigned_url(
            "upload_part",
            Params={"Bucket": self.bucket, "Key": key, "UploadId": upload_id, "PartNumber": part_number},
            ExpiresIn=int(PART_URL_LIFETIME.total_seconds()),
        )

    def list_parts(self, key: str, upload_id: str) -> list[UploadedPart]:
        validate_key(key)
        validate_upload_id(upload_id)
        parts: list[UploadedPart] = []
        marker = 0
        while True:
            try:
                page = self._client.list_parts(
                    Bucket=self.bucket, Key=key, UploadId=upload_id, PartNumberMarker=marker, MaxParts=1000
                )
            except ClientError as error:
                if _error_code(error) in _MISSING_UPLOAD:
                    raise NotFound("This upload does not exist.") from None
                raise
            parts += [
                UploadedPart(number=part["PartNumber"], size=part["Size"], etag=part["ETag"].strip('"'))
                for part in page.get("Parts", [])
            ]
            if not page.get("IsTruncated"):
                return parts
            marker = int(page["NextPartNumberMarker"])

    def complete_multipart(
        self,
        key: str,
        upload_id: str,
        *,
        size: int,
        part_size: int = PART_SIZE,
        content_type_for: ContentTypeFor,
        client_etags: Mapping[int, str] | None = None,
    ) -> StoredBlob:
        # The bucket's own list of parts is the truth, not the browser's.
        parts = self.list_parts(key, upload_id)
        check_parts(parts, size=size, part_size=part_size, client_etags=client_etags)
        self._client.complete_multipart_upload(
            Bucket=self.bucket,
            Key=key,
            UploadId=upload_id,
            MultipartUpload={"Parts": [{"PartNumber": part.number, "ETag": f'"{part.etag}"'} for part in parts]},
        )
        try:
            landed = self._client.head_object(Bucket=self.bucket, Key=key)["ContentLength"]
            if landed != size:
                raise ValidationError(f"The file landed with {landed} bytes instead of {size}.", "file")
            head = b"".join(self.open_range(key, 0, min(HEAD_BYTES, size)))
            content_type = validate_content_type(content_type_for(head))
            # The bytes are read back once (bucket to app, not the browser's upload) for
            # their SHA-256, which S3 metadata must carry from the object's creation: a
            # server-side copy onto itself sets it with the checked type.
            with cast(IO[bytes], self.open(key)) as body:
                sha256, read = _digest(cast(BinaryIO, body), None)
            if read != size:
                raise ValidationError(f"The file read back with {read} bytes instead of {size}.", "file")
            self._client.copy_object(
                Bucket=self.bucket,
                Key=key,
                CopySource={"Bucket": self.bucket, "Key": key},
                MetadataDirective="REPLACE",
                ContentType=content_type,
                Metadata={"sha256": sha256},
                ServerSideEncryption="AES256",
            )
        except BaseException:
            self._client.delete_object(Bucket=self.bucket, Key=key)
            raise
        return StoredBlob(key=key, size=size, sha256=sha256, content_type=content_type)

    def abort_multipart(self, key: str, upload_id: str) -> None:
        validate_key(key)
        validate_upload_id(upload_id)
        try:
            self._client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
        except ClientError as error:
            if _error_code(error) not in _MISSING_UPLOAD:
                raise

    def stat(self, key: str) -> StoredBlob | None:
        validate_key(key)
        try:
            head = self._client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as error:
            if _error_code(error) in _MISSING:
                return None
            raise
        sha256 = head.get("Metadata", {}).get("sha256")
        if not sha256:
            raise Conflict(f"The stored object {key!r} was not written by this store.")
        return StoredBlob(
            key=key,
            size=head["ContentLength"],
            sha256=sha256,
            content_type=head.get("ContentType", "application/octet-stream"),
        )

    def exists(self, key: str) -> bool:
        return self.stat(key) is not None

    def open(self, key: str) -> BinaryIO:
        validate_key(key)
        try:
            # botocore's StreamingBody reads, closes and works as a context manager like a binary file.
            return cast(BinaryIO, self._client.get_object(Bucket=self.bucket, Key=key)["Body"])
        except ClientError as error:
            if _error_code(error) in _MISSING:
                raise NotFound("This file does not exist.") from None
            raise

    def open_range(self, key: str, start: int, end: int) -> Iterator[bytes]:
        validate_key(key)
        if start == end:
            # S3 cannot express an empty range; only the bounds need checking.
            blob = self.stat(key)
            if blob is None:
                raise NotFound("This file does not exist.")
            validate_range(start, end, blob.size)
            return iter(())
        if not 0 <= start < end:
            raise ValidationError(f"The byte range {start}-{end} is not valid.")
        try:
            response = self._client.get_object(Bucket=self.bucket, Key=key, Range=f"bytes={start}-{end - 1}")
        except ClientError as error:
            code = _error_code(error)
            if code in _MISSING:
                raise NotFound("This file does not exist.") from None
            if code == "InvalidRange":
                raise ValidationError(f"The byte range {start}-{end} is outside this file.") from None
            raise
        body = response["Body"]
        # S3 quietly shortens a range that runs past the end; the contract refuses it.
        size = int(response["ContentRange"].rsplit("/", 1)[1])
        if end > size:
            body.close()
            validate_range(start, end, size)
        return _chunks(body)

    def delete(self, key: str) -> None:
        validate_key(key)
        self._client.delete_object(Bucket=self.bucket, Key=key)

    def signed_download_url(
        self,
        key: str,
        *,
        filename: str,
        expires_in: timedelta = timedelta(hours=1),
        content_type: str | None = None,
    ) -> str:
        validate_key(key)
        validate_filename(filename)
        params = {
            "Bucket": self.bucket,
            "Key": key,
            "ResponseContentDisposition": attachment_disposition(filename),
        }
        if content_type is not None:
            params["ResponseContentType"] = validate_content_type(content_type)
        return self._client.generate_presigned_url(
            "get_object", Params=params, ExpiresIn=validate_link_lifetime(expires_in)
        )

    def ensure_bucket(self) -> None:
        """Create the bucket if missing, private and encrypted (dev and tests)."""
        try:
            self._client.head_bucket(Bucket=self.bucket)
            return
        except ClientError as error:
            if _error_code(error) not in _MISSING_BUCKET:
                raise
        if self.region and self.region != "us-east-1":
            self._client.create_bucket(
                Bucket=self.bucket,
                # The stubs list the regions of their release; the configured one is passed as it is.
                CreateBucketConfiguration={"LocationConstraint": self.region},  # type: ignore[typeddict-item]
            )
        else:
            self._client.create_bucket(Bucket=self.bucket)
        self._client.put_public_access_block(
            Bucket=self.bucket,
            PublicAccessBlockConfiguration={
                "BlockPublicAcls": True,
                "IgnorePublicAcls": True,
                "BlockPublicPolicy": True,
                "RestrictPublicBuckets": True,
            },
        )
        self._client.put_bucket_encryption(
            Bucket=self.bucket,
            ServerSideEncryptionConfiguration={
                "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
            },
        )
        # Browsers send product files' parts straight to the bucket: PUT from the shop's
        # pages, with the ETag header readable by the page's script. Any origin here,
        # where the bucket serves development and tests; name the shop's origin in production.
        self._client.put_bucket_cors(
            Bucket=self.bucket,
            CORSConfiguration={
                "CORSRules": [
                    {
                        "AllowedOrigins": ["*"],
                        "AllowedMethods": ["PUT"],
                        "AllowedHeaders": ["*"],
                        "ExposeHeaders": ["ETag"],
                        "MaxAgeSeconds": 3600,
                    }
                ]
            },
        )
        # Parts of an upload that died half-way are billed until aborted.
        self._client.put_bucket_lifecycle_configuration(
            Bucket=self.bucket,
            LifecycleConfiguration={
                "Rules": [
                    {
                        "ID": "abort-incomplete-uploads",
                        "Status": "Enabled",
                        "Filter": {"Prefix": ""},
                        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
                    }
                ]
            },
        )


def _rewindable(stream: BinaryIO) -> bool:
    try:
        return stream.seekable()
    except (AttributeError, ValueError):
        return False


def _digest(stream: BinaryIO, copy_to: IO[bytes] | None) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    while chunk := stream.read(CHUNK_SIZE):
        digest.update(chunk)
        size += len(chunk)
        if copy_to is not None:
            copy_to.write(chunk)
    return digest.hexdigest(), size


def _chunks(body) -> Iterator[bytes]:
    with body:
        yield from body.iter_chunks(CHUNK_SIZE)


def _error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))
