"""A 1 GiB product file uploaded to the local store the way the seller's browser sends it.

    .venv/bin/python bench/uploads/run.py            # 1 GiB
    .venv/bin/python bench/uploads/run.py --mib 256

Starts the app's HTTP routes in their own server process (granian, as `reflex run --env
prod` serves them; SQLite and the local store in a temporary data folder on the same disk
as the source file), signs a seller in, and uploads one file through the upload routes
exactly as Uppy does: open the upload, then for each 8 MiB part ask for its URL and PUT it
(one part at a time, as Uppy sends a file), then complete (every part checked, the SHA-256
read once, the file listed in the product). It prints:

- throughput: file size / wall time from opening the upload to the completed answer;
- the floor, measured in the same run on the same disk: a plain copy of the file
  (`shutil.copyfile` then fsync), and the same copy plus one SHA-256 pass over it;
- the server process's resident memory before the upload and its peak (VmHWM) after it,
  next to the file's size: a server holding the file would peak above the file size.

It checks what landed: the stored blob's size and SHA-256 equal the source file's.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from sqlmodel import select  # noqa: E402

from commerce import storage, wiring  # noqa: E402
from commerce.accounts import service as accounts  # noqa: E402
from commerce.actor import Actor  # noqa: E402
from commerce.catalog import products  # noqa: E402
from commerce.cli import migrate  # noqa: E402
from commerce.db import unit_of_work  # noqa: E402
from commerce.models import ProductFile  # noqa: E402
from routes import SESSION_COOKIE  # noqa: E402
from tests.fixtures.ports import free_port  # noqa: E402

MiB = 1024 * 1024


def make_source(path: Path, size: int) -> str:
    """A file of `size` pseudo-random bytes (a PDF header first); returns its SHA-256."""
    digest = hashlib.sha256()
    block = os.urandom(4 * MiB)
    with open(path, "wb") as out:
        written = 0
        head = b"%PDF-1.7\n"
        out.write(head)
        digest.update(head)
        written = len(head)
        while written < size:
            piece = block[: min(len(block), size - written)]
            out.write(piece)
            digest.update(piece)
            written += len(piece)
        out.flush()
        os.fsync(out.fileno())
    return digest.hexdigest()


def floor_copy(source: Path, target: Path) -> float:
    started = time.perf_counter()
    shutil.copyfile(source, target)
    with open(target, "rb") as copied:
        os.fsync(copied.fileno())
    return time.perf_counter() - started


def floor_copy_and_hash(source: Path, target: Path) -> float:
    started = time.perf_counter()
    shutil.copyfile(source, target)
    with open(target, "rb") as copied:
        os.fsync(copied.fileno())
        digest = hashlib.sha256()
        while chunk := copied.read(4 * MiB):
            digest.update(chunk)
    return time.perf_counter() - started


def memory_kib(pid: int, field: str) -> int:
    """`field` (VmRSS, VmHWM) of `pid` and its children, in KiB, summed."""
    total = 0
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(child) for child in children.read_text().split()]
    for each in pids:
        for line in Path(f"/proc/{each}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                total += int(line.split()[1])
    return total


def prepare() -> tuple[str, int]:
    """Migrate the database and make a seller with a draft product: (session token, product id)."""
    migrate()
    wiring.configure()
    with unit_of_work() as s:
        grant = accounts.create_account(
            s, email="bench@example.com", password="a long enough password", display_name="Bench", client_id="bench"
        )
        seller = accounts.create_shop(s, grant.actor, name="Bench", slug="bench")
        actor = Actor(user_id=seller.id, role=seller.role, shop_id=seller.shop_id)
        product = products.create_product(s, actor, title="Bench file", price="1.00")
        return grant.token, product.id


def upload(base: str, token: str, product_id: int, source: Path, size: int) -> tuple[float, float]:
    """Upload the file as Uppy does; returns (seconds in total, seconds of them completing)."""
    client = httpx.Client(base_url=base, cookies={SESSION_COOKIE: token}, timeout=600)
    endpoint = f"/api/uploads/products/{product_id}/s3/multipart"
    started = time.perf_counter()
    opened = client.post(
        endpoint, json={"filename": source.name, "type": "application/pdf", "metadata": {"size": size}}
    )
    opened.raise_for_status()
    key, upload_id = opened.json()["key"], opened.json()["uploadId"]
    parts = []
    with open(source, "rb") as file:
        number = 1
        while body := file.read(8 * MiB):
            signed = client.get(f"{endpoint}/{upload_id}/{number}", params={"key": key})
            signed.raise_for_status()
            sent = client.put(signed.json()["url"], content=body)
            sent.raise_for_status()
            parts.append({"PartNumber": number, "ETag": sent.headers["etag"]})
            number += 1
    completing = time.perf_counter()
    completed = client.post(f"{endpoint}/{upload_id}/complete", params={"key": key}, json={"parts": parts})
    completed.raise_for_status()
    done = time.perf_counter()
    return done - started, done - completing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mib", type=int, default=1024, help="file size in MiB (default 1024)")
    parser.add_argument("--dir", default=None, help="folder for the file and the data (default: a temporary one)")
    args = parser.parse_args()
    size = args.mib * MiB

    with tempfile.TemporaryDirectory(dir=args.dir, prefix="bench-uploads-") as work:
        work_dir = Path(work)
        data_dir = work_dir / "data"
        data_dir.mkdir()
        source = work_dir / "product.pdf"
        print(f"writing a {args.mib} MiB source file in {work_dir} …", flush=True)
        expected_sha = make_source(source, size)

        copy_seconds = floor_copy(source, work_dir / "copy.bin")
        (work_dir / "copy.bin").unlink()
        hash_seconds = floor_copy_and_hash(source, work_dir / "copy.bin")
        (work_dir / "copy.bin").unlink()

        env = {
            key: value
            for key, value in os.environ.items()
            if key not in ("DATABASE_URL", "REDIS_URL", "S3_BUCKET", "S3_ENDPOINT_URL", "MEILI_URL")
        }
        env.update(DATA_DIR=str(data_dir), APP_ENV="development", PYTHONPATH=str(ROOT))
        os.environ.update(DATA_DIR=str(data_dir), APP_ENV="development")
        for name in ("DATABASE_URL", "REDIS_URL", "S3_BUCKET", "S3_ENDPOINT_URL", "MEILI_URL"):
            os.environ.pop(name, None)
        token, product_id = prepare()

        port = free_port()
        server = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "granian"),
                "--interface",
                "asgi",
                "--workers",
                "1",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "bench.uploads.app:api",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("the server did not start")
                time.sleep(0.3)
            idle_kib = memory_kib(server.pid, "VmRSS")
            upload_seconds, complete_seconds = upload(base, token, product_id, source, size)
            peak_kib = memory_kib(server.pid, "VmHWM")
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=20)

        with unit_of_work() as s:
            row = s.exec(select(ProductFile).where(ProductFile.product_id == product_id)).one()
            blob = storage.blob_store().stat(row.blob_key)
        if blob is None or (blob.size, blob.sha256) != (size, expected_sha):
            raise SystemExit("the stored file differs from the source")

        rate = size / MiB / upload_seconds
        print()
        print(f"file                         {args.mib} MiB, stored intact (size and SHA-256 match)")
        print(f"upload through the routes    {upload_seconds:6.2f} s   {rate:7.1f} MiB/s")
        print(f"  of which completing        {complete_seconds:6.2f} s   (every part checked, SHA-256 read once)")
        print(f"floor: plain copy + fsync    {copy_seconds:6.2f} s   {size / MiB / copy_seconds:7.1f} MiB/s")
        print(f"floor: copy + fsync + sha256 {hash_seconds:6.2f} s   {size / MiB / hash_seconds:7.1f} MiB/s")
        print(f"ratio (upload / copy+hash)   {upload_seconds / hash_seconds:6.2f}x the time")
        print(f"server memory idle           {idle_kib / 1024:7.1f} MiB RSS")
        print(f"server memory peak           {peak_kib / 1024:7.1f} MiB (VmHWM, all server processes)")
        print(f"peak minus idle              {(peak_kib - idle_kib) / 1024:7.1f} MiB for a {args.mib} MiB file")


if __name__ == "__main__":
    main()
