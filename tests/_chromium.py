"""Drive headless Chromium through its DevTools protocol (for tests of the HTML report).

``chromium()`` returns the browser's path or None; :class:`Page` opens a file in a fresh
headless browser with a given viewport and evaluates JavaScript in it. Needs the
``websocket-client`` package (installed with Jupyter).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path


def chromium() -> str | None:
    """Path of a Chromium (or Chrome) executable, or None."""
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def print_pdf(html: Path, pdf: Path) -> Path:
    """Print ``html`` to ``pdf`` with headless Chromium (A4 default margins)."""
    subprocess.run([chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                    f"--print-to-pdf={pdf}", html.resolve().as_uri()], check=True, capture_output=True, timeout=180)
    return pdf


def pdf_pages(pdf: Path) -> int:
    """Pages of a PDF written by Chromium (its ``/Type /Page`` objects)."""
    data = pdf.read_bytes()
    return data.count(b"/Type /Page") - data.count(b"/Type /Pages")


class Page:
    """One page in a headless Chromium: ``Page(path, width, height)``, then :meth:`eval`; close it."""

    def __init__(self, path: Path, width: int = 390, height: int = 844, mobile: bool = True):
        import websocket

        # Chromium's helper processes may still write to the profile after the browser exits; the
        # whole process group is stopped on close, and a file written after that is not an error.
        self._profile = tempfile.TemporaryDirectory(prefix="cx-chromium-", ignore_cleanup_errors=True)
        self._proc = subprocess.Popen(
            [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-port=0",
             f"--user-data-dir={self._profile.name}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        port_file = Path(self._profile.name) / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not (port_file.exists() and port_file.read_text().strip()):
            if time.monotonic() > deadline or self._proc.poll() is not None:
                self.close()
                raise RuntimeError("Chromium did not start its DevTools server")
            time.sleep(0.1)
        port = port_file.read_text().split()[0]
        targets = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/json", timeout=10).read())
        target = next(t for t in targets if t.get("type") == "page")
        self._ws = websocket.create_connection(target["webSocketDebuggerUrl"], timeout=60, suppress_origin=True)
        self._id = 0
        self.requests: list[str] = []
        self._send("Network.enable")
        self._send("Page.enable")
        self._send("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=2,
                   mobile=mobile)
        self._send("Page.navigate", url=Path(path).resolve().as_uri())
        self._wait_event("Page.loadEventFired")

    def _send(self, method: str, **params):
        self._id += 1
        self._ws.send(json.dumps({"id": self._id, "method": method, "params": params}))
        while True:
            msg = json.loads(self._ws.recv())
            self._note(msg)
            if msg.get("id") == self._id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})

    def _note(self, msg: dict) -> None:
        if msg.get("method") == "Network.requestWillBeSent":
            self.requests.append(msg["params"]["request"]["url"])

    def _wait_event(self, name: str) -> None:
        while True:
            msg = json.loads(self._ws.recv())
            self._note(msg)
            if msg.get("method") == name:
                return

    def eval(self, expression: str):
        """The JSON value of a JavaScript expression evaluated in the page."""
        result = self._send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"JavaScript error: {result['exceptionDetails']}")
        return result["result"].get("value")

    def close(self) -> None:
        try:
            if getattr(self, "_ws", None) is not None:
                self._ws.close()
        finally:
            self._signal_group(signal.SIGTERM)
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._signal_group(signal.SIGKILL)
                self._proc.wait(timeout=10)
            self._profile.cleanup()

    def _signal_group(self, sig: int) -> None:
        """Send ``sig`` to the browser and every helper process it started (its own session)."""
        try:
            os.killpg(self._proc.pid, sig)
        except ProcessLookupError:
            pass

    def __enter__(self) -> Page:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
