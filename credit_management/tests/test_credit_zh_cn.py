import io

import openpyxl
from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged

from .common import CreditCommon


@tagged("post_install", "-at_install")
class TestCreditZhCn(CreditCommon, HttpCase):
    """Users whose language is Chinese (zh_CN) work in Chinese, through the web
    server as their browser would: the blocked confirmation says why in Chinese,
    the aging report (HTML of the PDF and XLSX) and the credit settings show
    Chinese labels."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("zh_CN")
        cls.env["ir.module.module"]._load_module_terms(
            ["credit_management"], ["zh_CN"], overwrite=True
        )
        (cls.salesman | cls.credit_manager).lang = "zh_CN"
        cls.admin_zh = new_test_user(
            cls.env,
            login="credit_admin_zh",
            groups="base.group_system,sales_team.group_sale_manager,"
            "credit_management.group_credit_manager",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
            lang="zh_CN",
        )
        cls._invoice(1000.0, days_ago=45)

    def _login(self, login):
        """Log in, and take the context the web client sends with every call:
        the user_context of the session info, where the language is the user's."""
        self.authenticate(login, login)
        self.user_context = self.make_jsonrpc_request("/web/session/get_session_info")[
            "user_context"
        ]
        self.assertEqual(self.user_context["lang"], "zh_CN")

    def _rpc(self, model, method, *args, **kwargs):
        """call_kw as the web client makes it."""
        response = self.url_open(
            "/web/dataset/call_kw",
            json={
                "jsonrpc": "2.0",
                "method": "call",
                "id": 0,
                "params": {
                    "model": model,
                    "method": method,
                    "args": list(args),
                    "kwargs": dict(kwargs, context=self.user_context),
                },
            },
        )
        response.raise_for_status()
        return response.json()

    def test_blocked_confirmation_says_why_in_chinese(self):
        order = self._order(6000.0)
        self._login("credit_salesman")
        answer = self._rpc("sale.order", "action_confirm", [order.id])
        self.assertIn("error", answer, "the credit check let the order through")
        message = answer["error"]["data"]["message"]
        self.assertEqual(order.state, "draft")
        for words in (
            "无法确认",
            "信用检查未通过",
            "敞口",
            "本订单",
            "超出",
            "信用额度",
        ):
            self.assertIn(words, message)
        self.assertIn("处理方法", message)
        for english in (
            "cannot be confirmed",
            "exceeds the credit limit",
            "What to do",
        ):
            self.assertNotIn(english, message)

    def test_aging_report_in_chinese(self):
        wizard = (
            self.env["credit.aging.wizard"]
            .with_user(self.credit_manager)
            .create({"date": self.today})
        )
        self._login("credit_manager")
        response = self.url_open(
            f"/report/html/credit_management.report_credit_aging/{wizard.id}"
        )
        self.assertEqual(response.status_code, 200)
        html = response.text
        self.assertIn("Acme Credit Test", html)
        for label in (
            "应收账款账龄",
            "客户",
            "账龄计算依据",
            "合计",
            "已担保",
            "未到期",
        ):
            self.assertIn(label, html)
        for english in ("Receivables Aging at", "Aged by", "<th>Customer</th>"):
            self.assertNotIn(english, html)

        action = self._rpc("credit.aging.wizard", "action_export_xlsx", [wizard.id])
        xlsx = self.url_open(action["result"]["url"])
        self.assertEqual(xlsx.status_code, 200)
        sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
        self.assertEqual(sheet.title, "账龄")
        self.assertIn("应收账款账龄", sheet.cell(1, 1).value)
        headers = [cell.value for cell in sheet[3]]
        self.assertEqual(headers[:3], ["客户", "合计", "已担保"])
        self.assertIn("未到期", headers)
        rows = [row[0] for row in sheet.iter_rows(min_row=4, values_only=True)]
        self.assertEqual(rows[-1], "合计")

    def test_credit_settings_in_chinese(self):
        self._login("credit_admin_zh")
        answer = self._rpc("res.config.settings", "get_views", views=[[False, "form"]])
        arch = answer["result"]["views"]["form"]["arch"]
        for label in (
            "信用控制",
            "阻止信用等级要求预付款的客户",
            "当敞口加上本订单超过客户的信用额度时阻止",
            "信用评分",
        ):
            self.assertIn(label, arch)
        for english in (
            "Block customers whose credit grade requires prepayment",
            "Block when exposure plus the order exceeds",
        ):
            self.assertNotIn(english, arch)
        fields_info = answer["result"]["models"]["res.config.settings"]["fields"]
        self.assertEqual(
            fields_info["credit_block_prepayment"]["string"], "阻止预付款等级"
        )
