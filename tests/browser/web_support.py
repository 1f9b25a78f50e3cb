"""The browser test's world: a real docflow server (uvicorn, fresh SQLite, local store,
demo seed) on a free port, and headless Debian Chromium driven by Playwright."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.services import free_port

PASSWORD = "browser-test-password"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
KEY_MARKERS = ("BEGIN PRIVATE", "pkcs8", "PRIVATE KEY", '"d":')
CSP_LISTENER = """
document.addEventListener('securitypolicyviolation', (e) => {
  console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`);
});
"""


def _docflow(*args: str, env: dict[str, str]) -> None:
    cli = Path(sys.executable).parent / "docflow"
    done = subprocess.run([str(cli), *args], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"docflow {' '.join(args)} failed: {done.stderr[-2000:]}"


@contextlib.contextmanager
def running_server(data_dir: Path, **settings: str) -> Iterator[str]:
    """``docflow serve`` on a fresh data directory with the demo seed; yields its origin.
    ``settings``: more ``DOCFLOW_*`` variables (``DOCFLOW_MAX_UPLOAD_MB="1"``)."""
    port = free_port()
    env = {
        **os.environ,
        **settings,
        "DOCFLOW_DATA_DIR": str(data_dir),
        "DOCFLOW_DEMO_PASSWORD": PASSWORD,
        "DOCFLOW_HOST": "127.0.0.1",
        "DOCFLOW_PORT": str(port),
        # the dev PKI's certificates then name this server's CRL/OCSP URLs
        "DOCFLOW_PUBLIC_URL": f"http://127.0.0.1:{port}",
    }
    env.pop("DOCFLOW_DATABASE_URL", None)
    env.pop("DOCFLOW_STORAGE_URL", None)
    _docflow("db", "upgrade", env=env)
    _docflow("demo", env=env)
    log = open(data_dir / "server.log", "wb")  # noqa: SIM115 - closed below
    cli = Path(sys.executable).parent / "docflow"
    proc = subprocess.Popen(
        [str(cli), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    origin = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, (data_dir / "server.log").read_text()[-3000:]
            try:
                with urllib.request.urlopen(f"{origin}/health", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except Exception:  # noqa: BLE001 - not up yet
                pass
            assert time.monotonic() < deadline, "docflow serve did not answer /health in 60 s"
            time.sleep(0.2)
        yield origin
    finally:
        # The server's own process group: uvicorn and its signing workers, nothing else.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)
        log.close()


@dataclass
class Watch:
    """What the pages did: console errors, every request (URL, method, body)."""

    origin: str
    console_errors: list[str] = field(default_factory=list)
    requests: list[tuple[str, str, bytes]] = field(default_factory=list)
    #: Refusals the test provokes on purpose: (status, URL) that Chromium reports as
    #: "Failed to load resource".
    provoked: set[tuple[int, str]] = field(default_factory=set)
    #: Pages served without the Content-Security-Policy the service promises.
    pages_without_csp: list[str] = field(default_factory=list)

    def attach(self, page: Any) -> Any:
        # A blocked load or script shows as a console error anyway; this names the
        # directive, so a CSP that the pages (or pdf.js) do not work with fails loudly.
        page.add_init_script(CSP_LISTENER)
        page.on("response", self._response)
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.console_errors.append(f"pageerror: {exc}"))
        page.on("request", self._request)
        return page

    def _console(self, message: Any) -> None:
        if message.type != "error":
            return
        url = message.location.get("url", "")
        for status, provoked_url in self.provoked:
            if url == provoked_url and f"status of {status} " in message.text:
                return
        self.console_errors.append(f"{message.text} @ {url}")

    def _response(self, response: Any) -> None:
        if response.request.resource_type == "document" and response.url.startswith(
            self.origin
        ):
            policy = response.headers.get("content-security-policy", "")
            if "frame-ancestors 'none'" not in policy or "script-src 'self'" not in policy:
                self.pages_without_csp.append(response.url)

    def _request(self, request: Any) -> None:
        body = request.post_data_buffer or b""
        self.requests.append((request.method, request.url, body))

    def posts_to(self, suffix: str) -> int:
        return sum(1 for m, url, _ in self.requests if m == "POST" and url.endswith(suffix))

    def outside(self) -> list[str]:
        allowed = (self.origin + "/", "data:", "blob:")
        return [url for _, url, _ in self.requests if not url.startswith(allowed)]

    def key_material(self) -> list[str]:
        found = []
        for method, url, body in self.requests:
            text = body.decode("latin-1")
            if any(marker in text for marker in KEY_MARKERS):
                found.append(f"{method} {url}")
        return found


def text_pdf(lines: list[str]) -> bytes:
    """A one-page A4 PDF with a few lines of (ASCII) text in Helvetica."""
    content = ["BT /F1 14 Tf 72 640 Td 18 TL"]
    for line in lines:
        escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        content.append(f"({escaped}) '")
    content.append("ET")
    stream = "\n".join(content).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)
