"""What the working-day browser test (``test_workday.py``) needs besides the walk itself:

- ``Day``: the people's browser profiles on one server, and ``look``, which checks a
  page as a person sees it at 1280 px and at 375 px (no console error is collected by
  ``Watch``; no English sentence on the Vietnamese page; no horizontal scrolling on the
  phone) and writes ``test-artifacts/browser/day-<role>-<page>-<width>.png``;
- a local SMTP server (aiosmtpd) whose mailbox the test reads;
- the issued PDF as a reader sees it: rendered by poppler's ``pdftoppm``, the number's
  field holds "Số: …" in ink, on a band the draft left blank, and every line of the
  draft's body text is drawn exactly as in the draft (nothing stamped over it).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import re
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from PIL import Image, ImageChops

from signing.pades.placement import intersects
from tests.browser.test_admin_flow import WIDEST, WIDTHS, fits
from tests.browser.test_web_flow import person
from tests.browser.web_support import ARTIFACTS, Watch
from tests.integration.test_issued_pdf import assert_text_whole_inside, field_rects, pixels
from tests.integration.test_notification_email import Mailbox
from tests.integration.ui_language_support import VIETNAMESE, english_in, visible_chunks
from tests.official_pdf import Box, official_draft
from tests.services import free_port, require_tool

ETSI_ONLY = re.compile(r"(TOTAL_PASSED|TOTAL_FAILED|INDETERMINATE)( / [A-Z_]+)?")
DPI = 150
#: The menu's queue counts drawn in (almost) the colour behind them.
UNREADABLE_COUNTS = """() => {
  const rgb = (c) => (c.match(/[0-9.]+/g) || []).map(Number);
  const behind = (e) => {
    for (; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0)) return c;
    }
    return [255, 255, 255];
  };
  return [...document.querySelectorAll('.queues .count')].filter((e) => {
    const fg = rgb(getComputedStyle(e).color), bg = behind(e);
    return Math.abs(fg[0] - bg[0]) + Math.abs(fg[1] - bg[1]) + Math.abs(fg[2] - bg[2]) < 60;
  }).map((e) => `"${e.closest('a').textContent.trim()}"`);
}"""  # as tests/integration/test_issued_pdf.py renders (its ``pixels`` assume it)


@dataclass
class Day:
    """One server's working day: who is signed in where, and every page looked at."""

    browser: Any
    watch: Watch
    #: (role, page) of every page checked at both widths.
    seen: list[tuple[str, str]] = field(default_factory=list)
    #: What the product got wrong that the walk could go on past (the test fails on
    #: them at its end, after every page was looked at).
    defects: list[str] = field(default_factory=list)
    #: The defects said once however many pages show them (``expect``'s ``once``).
    said: set[str] = field(default_factory=set)
    #: Where the specialist put the number's box on the upload page (PDF points).
    placed: tuple[float, ...] | None = None

    def expect(self, holds: bool, defect: str, once: str | None = None) -> None:
        if holds or (once is not None and once in self.said):
            return
        self.defects.append(defect)
        if once is not None:
            self.said.add(once)

    @property
    def origin(self) -> str:
        return self.watch.origin

    def sign_in(self, username: str) -> Any:
        """A fresh profile for ``username`` at 1280 px, signed in through the sign-in page."""
        return person(self.browser, self.watch, username, viewport=WIDTHS["1280"])

    def go(self, page: Any, path: str, ready: str | None = None) -> None:
        page.goto(f"{self.origin}{path}")
        settle(page, ready)

    def look(self, page: Any, role: str, name: str, ready: str | None = None,
             again: bool = True) -> None:
        """Check and photograph ``page`` at 1280 px, then the same address at 375 px in
        a second tab of the same person (``again=False``: the page answers a form and
        cannot be asked for again; it is narrowed where it stands)."""
        settle(page, ready)
        self._check(page, role, name, "1280")
        if again:
            phone = self.watch.attach(page.context.new_page())
            phone.set_viewport_size(WIDTHS["375"])
            phone.goto(page.url)
            settle(phone, ready)
            self._check(phone, role, name, "375")
            phone.close()
        else:
            page.set_viewport_size(WIDTHS["375"])
            settle(page, ready)
            self._check(page, role, name, "375")
            page.set_viewport_size(WIDTHS["1280"])
        self.seen.append((role, name))

    def _check(self, page: Any, role: str, name: str, width: str) -> None:
        where = f"{role}/{name} at {width} px ({page.url})"
        english = english_in(labelled(visible_chunks(page.content())))
        assert not english, f"English on the Vietnamese page {where}: {english}"
        for count in page.evaluate(UNREADABLE_COUNTS):
            self.expect(False, f"the menu's count {count} cannot be read: its colour is the "
                        f"header's (first on day-{role}-{name}-{width}.png)",
                        once=re.sub(r"\s*\d+", "", count))
        if width == "375":
            assert fits(page), f"{where} scrolls sideways: {page.evaluate(WIDEST)}"
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"day-{role}-{name}-{width}.png"), full_page=True)


def labelled(chunks: list[str]) -> list[str]:
    """The chunks, with a value that is only an ETSI code (a signature card's "Chỉ báo
    ETSI: TOTAL_PASSED", drawn by report.js as a label and a value) joined to its label:
    the checker lets an indication stand where Vietnamese stands beside it."""
    joined: list[str] = []
    for chunk in chunks:
        if joined and ETSI_ONLY.fullmatch(chunk) and VIETNAMESE.search(joined[-1]):
            joined[-1] = f"{joined[-1]} {chunk}"
        else:
            joined.append(chunk)
    return joined


def settle(page: Any, ready: str | None = None) -> None:
    """Wait until the page has done its loading (its PDF drawn, its report shown)."""
    page.wait_for_load_state("networkidle")
    if ready:
        page.wait_for_selector(ready, timeout=90_000)
    if page.locator("#pdf-view").count():
        page.wait_for_selector("#pdf-view canvas, #pdf-view .error", timeout=90_000)


def queue_count(page: Any, key: str) -> int:
    """The count the menu shows beside the work queue ``key``."""
    return int(page.inner_text(f"a[data-queue={key}] .count").strip())


# -- e-mail -------------------------------------------------------------------------


@contextlib.contextmanager
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    """A real SMTP server on the loopback; its mailbox and port."""
    mailbox, port = Mailbox(), free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


def wait_for_mail(mailbox: Mailbox, to: str, *subjects: str, seconds: float = 90) -> Any:
    """The first message to ``to`` whose subject contains one of ``subjects``."""
    deadline = time.monotonic() + seconds
    while True:
        for rcpt, message in list(mailbox.messages):
            if to in rcpt and any(s in str(message["Subject"]) for s in subjects):
                return message
        got = [(r, str(m["Subject"])) for r, m in mailbox.messages]
        assert time.monotonic() < deadline, f"no mail {subjects} to {to} in {seconds} s: {got}"
        time.sleep(0.3)


def run_deadline_reminders(data_dir: Path) -> None:
    """Ask for this hour's run of the periodic "deadline_reminders" work, as the server's
    scheduler does at each hour's start: the server's own job runner then runs it (and
    e-mails what it gives). In a thread: Playwright's sync API holds this one's loop."""
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, _enqueue_reminders(data_dir)).result()


async def _enqueue_reminders(data_dir: Path) -> None:
    from docflow.bootstrap import build_runtime, periodic_work
    from docflow.core.jobs.periodic import enqueue_due
    from docflow.core.settings import Settings

    settings = Settings.from_env({"DOCFLOW_DATA_DIR": str(data_dir)})
    runtime = build_runtime(settings)
    try:
        work = next(w for w in periodic_work(settings) if w.name == "deadline_reminders")
        # Already asked for (the hour turned while the test ran): the server runs it anyway.
        await enqueue_due(runtime, work, int(time.time() // work.seconds))
    finally:
        await runtime.dispose()


# -- the issued PDF on the page -----------------------------------------------------


def render(pdf: bytes, name: str, tmp_path: Path) -> Image.Image:
    """Page 1 as poppler draws it, grey; kept as ``day-<name>.png`` beside the shots."""
    pdftoppm = require_tool("pdftoppm", "poppler-utils")
    src = tmp_path / f"{name}.pdf"
    src.write_bytes(pdf)
    subprocess.run([pdftoppm, "-r", str(DPI), "-png", "-singlefile", "-f", "1", "-l", "1",
                    str(src), str(tmp_path / name)], check=True, timeout=60)
    png = (tmp_path / f"{name}.png").read_bytes()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"day-{name}.png").write_bytes(png)
    return Image.open(io.BytesIO(png)).convert("L")


def words_in(pdf_path: Path, box: Box) -> str:
    """The text poppler reads inside ``box`` (PDF points, origin bottom left) on page 1."""
    pdftotext = require_tool("pdftotext", "poppler-utils")
    height = 841.89
    x1, y1, x2, y2 = box
    done = subprocess.run(
        [pdftotext, "-f", "1", "-l", "1", "-r", "72", "-x", str(int(x1)),
         "-y", str(int(height - y2)), "-W", str(int(x2 - x1) + 1), "-H", str(int(y2 - y1) + 1),
         "-enc", "UTF-8", str(pdf_path), "-"],
        check=True, capture_output=True, timeout=60)
    return " ".join(done.stdout.decode("utf-8").split())


def ink(img: Image.Image, box: tuple[int, int, int, int]) -> int:
    """How many (not almost white) pixels ``box`` holds."""
    mask = img.crop(box).point(lambda v: 255 if v < 200 else 0)
    return int(mask.histogram()[255])


def check_number_on_page(issued: bytes, draft: bytes, symbol: str, tmp_path: Path) -> Box:
    """The number landed in its field, on the band the draft left blank, in ink that
    reads "Số: <symbol>", and no line of the body text is drawn over; the field's box."""
    number = field_rects(issued)["so_van_ban"]
    body = official_draft().boxes
    over = [line for line in body if intersects(number, line)]
    assert not over, f"the number's field {number} lies over body text {over}"
    page = render(issued, "clerk-issued-pdf", tmp_path)
    before = render(draft, "specialist-draft-pdf", tmp_path)
    where = pixels(number)
    assert ink(before, where) == 0, "the draft was not blank where the number went"
    assert ink(page, where) > 40, f"no number drawn in its field {number}"
    assert_text_whole_inside(page, number, descenders=False)
    (tmp_path / "issued.pdf").write_bytes(issued)
    read = words_in(tmp_path / "issued.pdf", number)
    assert re.fullmatch(rf"Số:? ?{re.escape(symbol)}", read), (read, symbol)
    # every line of the draft exactly as the draft drew it: nothing stamped over it
    over = lines_drawn_over(before, page)
    assert not over, f"the issued PDF draws over the draft's text lines {over}"
    return number


def lines_drawn_over(old: Image.Image, new: Image.Image) -> list[Box]:
    """The lines of the draft's text (header and body) that the page ``new`` draws
    differently from ``old`` (a stamp put over them)."""
    over = []
    for line in official_draft().boxes:
        left, top, right, bottom = pixels(line)
        crop = (left - 2, top - 2, right + 2, bottom + 2)
        if ImageChops.difference(new.crop(crop), old.crop(crop)).getbbox() is not None:
            over.append(line)
    return over
