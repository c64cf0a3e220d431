from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged

from .common import CreditCommon


@tagged("post_install", "-at_install")
class TestCreditSettings(CreditCommon):
    """Sales settings with credit control, as a new user saves them."""

    def _save_settings(self, **values):
        form = Form(self.env["res.config.settings"].sudo().with_company(self.company))
        for name, value in values.items():
            setattr(form, name, value)
        form.save().execute()

    def test_settings_save_twice_without_override_group(self):
        """A company installed before the group existed has no override group:
        enabling credit control and saving again later must both work."""
        self.company.credit_override_group_id = False
        self._save_settings(credit_control_enabled=True)
        self.assertTrue(self.company.credit_control_enabled)
        self._save_settings(credit_overdue_days=45)
        self.assertEqual(self.company.credit_overdue_days, 45)
        # The code falls back to Credit Manager.
        self.assertEqual(
            self.company._credit_override_group(),
            self.env.ref("credit_management.group_credit_manager"),
        )

    def test_install_and_update_fill_the_override_group(self):
        self.company.credit_override_group_id = False
        self.env["res.company"]._credit_ensure_all_score_factors()
        self.assertEqual(
            self.company.credit_override_group_id,
            self.env.ref("credit_management.group_credit_manager"),
        )

    def test_override_group_every_employee_has_is_refused(self):
        with self.assertRaisesRegex(ValidationError, "Every employee belongs"):
            self.company.credit_override_group_id = self.env.ref("base.group_user")
