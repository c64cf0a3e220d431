import base64
import io
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from unittest.mock import patch

from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tests.common import ChromeBrowser
from PIL import Image, ImageChops

SCREENSHOTS = (
    Path(__file__).resolve().parents[1] / "static" / "description" / "screenshots"
)
MAX_BYTES = 250_000


@tagged("credit_screenshots", "-standard", "post_install", "-at_install")
class TestCreditScreenshots(HttpCase):
    """The screenshots of the documentation, taken in Chromium on the demo
    database: each test walks to one screen with a tour that checks the screen
    shows what its caption says, then saves the page as a PNG in
    static/description/screenshots/.

    Not part of the suite (no 'standard' tag): scripts/screenshots installs the
    addons with demo data in a fresh database and runs this class alone
    (--test-tags credit_screenshots)."""

    browser_size = "1280x800"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        ref = cls.env.ref
        # The walks read the demo database: stop here, clearly, without it.
        cls.order_over_limit = ref("credit_management.demo_order_over_limit")
        cls.blue_harbor = ref("credit_management.demo_partner_over_limit")
        cls.northwind = ref("credit_management.demo_partner_good")
        cls.redwood = ref("credit_management.demo_partner_overdue")
        cls.limit_request = ref("credit_management.demo_limit_request_season")
        cls.guarantee = ref("credit_management.demo_security_overdue")
        cls.company = ref("base.main_company")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def _save(self, name, png):
        """Save a screenshot in a 256-colour palette (about a third of the size,
        the same to the eye for a screen of flat colours)."""
        image = Image.open(io.BytesIO(png)).convert("RGB")
        image = image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=0)
        out = io.BytesIO()
        image.save(out, format="PNG", optimize=True)
        data = out.getvalue()
        self.assertLess(len(data), MAX_BYTES, f"{name} is too large")
        (SCREENSHOTS / name).write_bytes(data)
        self._logger.info("screenshot %s: %s bytes", name, len(data))

    def _shoot(self, name, url, tour, login="admin", size="1280x800"):
        """Run the tour on url as login, then capture the page it leaves."""
        self.browser_size = size
        captured = []
        wait_code_ok = ChromeBrowser._wait_code_ok

        def wait_then_capture(browser, code, timeout, error_checker=None):
            wait_code_ok(browser, code, timeout, error_checker=error_checker)
            # No focus ring on the last button clicked; the last transitions
            # (a dialog fading in) end.
            browser._websocket_request(
                "Runtime.evaluate",
                params={"expression": "document.activeElement?.blur()"},
            )
            time.sleep(0.6)
            shot = browser._websocket_request(
                "Page.captureScreenshot", params={"format": "png"}, timeout=30
            )
            captured.append(base64.b64decode(shot["data"]))

        with patch.object(ChromeBrowser, "_wait_code_ok", wait_then_capture):
            self.start_tour(url, tour, login=login)
        self.assertEqual(len(captured), 1, f"no screenshot taken for {name}")
        self._save(name, captured[0])

    def _rerate(self, partners):
        """Re-rate Now, as the credit manager of the demo (Mitchell Admin)."""
        partners.with_user(self.env.ref("base.user_admin")).action_credit_rerate()

    def test_block_banner(self):
        self._shoot(
            "block-banner.png",
            f"/odoo/sales/{self.order_over_limit.id}",
            "credit_screenshot_block_banner",
            login="demo",
        )

    def test_approval(self):
        self._shoot(
            "approval.png",
            f"/odoo/sales/{self.order_over_limit.id}",
            "credit_screenshot_approval",
        )

    def test_credit_tab(self):
        self._rerate(self.blue_harbor)
        self._shoot(
            "credit-tab.png",
            f"/odoo/action-credit_management.action_credit_partner/{self.blue_harbor.id}",
            "credit_screenshot_credit_tab",
        )

    def test_review(self):
        self._rerate(self.northwind)
        review = self.env["credit.review"].search(
            [("partner_id", "=", self.northwind.id)], limit=1
        )
        self.assertTrue(review.line_ids)
        self._shoot(
            "review.png",
            f"/odoo/action-credit_management.action_credit_review/{review.id}",
            "credit_screenshot_review",
            size="1280x1000",
        )

    def test_weights_preview(self):
        self._shoot(
            "weights-preview.png",
            "/odoo/sales",
            "credit_screenshot_weights_preview",
            size="1280x900",
        )

    def test_aging_pivot(self):
        self._shoot("aging-pivot.png", "/odoo/sales", "credit_screenshot_aging_pivot")

    def test_limit_request(self):
        self._shoot(
            "limit-request.png",
            "/odoo/action-credit_management.action_credit_limit_request/"
            f"{self.limit_request.id}",
            "credit_screenshot_limit_request",
        )

    def test_securities(self):
        self._shoot(
            "securities.png",
            "/odoo/action-credit_management.action_credit_security/"
            f"{self.guarantee.id}",
            "credit_screenshot_security",
        )

    def test_portal(self):
        self.company.credit_portal_enabled = True
        self.redwood.credit_portal_visible = True
        user = new_test_user(
            self.env,
            login="redwood_portal",
            name="Dana Whitfield",
            groups="base.group_portal",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        user.partner_id.parent_id = self.redwood
        self._shoot(
            "portal.png", "/my/credit", "credit_screenshot_portal", "redwood_portal"
        )

    def test_aging_pdf(self):
        """The first page of the aging PDF (wkhtmltopdf), drawn by pdftoppm."""
        for tool in ("wkhtmltopdf", "pdftoppm"):
            self.assertTrue(shutil.which(tool), f"{tool} is needed for aging-pdf.png")
        # wkhtmltopdf reads the report's stylesheets from this test's server.
        self.env["ir.config_parameter"].sudo().set_param("report.url", self.base_url())
        wizard = self.env["credit.aging.wizard"].create({})
        pdf, kind = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf(
                "credit_management.action_report_credit_aging", wizard.ids
            )
        )
        self.assertEqual(kind, "pdf")
        with tempfile.TemporaryDirectory() as tmp:
            pdf_path = Path(tmp, "aging.pdf")
            pdf_path.write_bytes(pdf)
            subprocess.run(
                [
                    "pdftoppm",
                    *("-png", "-r", "110", "-f", "1", "-l", "1", "-singlefile"),
                    pdf_path,
                    Path(tmp, "aging"),
                ],
                check=True,
            )
            page = Image.open(Path(tmp, "aging.png")).convert("RGB")
        # Debian's wkhtmltopdf (Qt not patched) draws no header nor footer: keep
        # the page's width, leave out the empty margins above and below.
        blank = Image.new("RGB", page.size, "white")
        box = ImageChops.difference(page, blank).getbbox()
        self.assertTrue(box, "the first page of the aging PDF is empty")
        margin = 40
        page = page.crop(
            (0, max(box[1] - margin, 0), page.width, min(box[3] + margin, page.height))
        )
        out = io.BytesIO()
        page.save(out, format="PNG")
        self._save("aging-pdf.png", out.getvalue())
