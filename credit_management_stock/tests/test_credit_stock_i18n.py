from odoo.addons.credit_management.tests.test_credit_i18n import CreditI18nChecks
from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestCreditStockI18n(CreditI18nChecks, TransactionCase):
    """The bridge's Chinese translation is complete and keeps the placeholders."""

    def test_every_term_has_a_chinese_translation(self):
        self._assert_translated("credit_management_stock", "zh_CN")

    def test_chinese_translations_keep_the_placeholders(self):
        self._assert_placeholders_kept("credit_management_stock", "zh_CN")
