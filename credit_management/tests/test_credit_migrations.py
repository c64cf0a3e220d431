from odoo.modules.module import load_script
from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL


@tagged("post_install", "-at_install")
class TestCreditMigrations(TransactionCase):
    """Migration scripts run on what an older release let into the database."""

    def _migrate(self, version, step, from_version):
        script = load_script(
            f"credit_management/migrations/{version}/{step}-migrate.py",
            f"credit_management_migration_{version.replace('.', '_')}",
        )
        script.migrate(self.env.cr, from_version)

    def _drop(self, table, constraint):
        """The database as 19.0.1.7.3 left it: without the new check (the
        test's transaction is rolled back, the check with it)."""
        self.env.cr.execute(
            SQL(
                "ALTER TABLE %s DROP CONSTRAINT %s",
                SQL.identifier(table),
                SQL.identifier(constraint),
            )
        )

    def test_non_numbers_are_reset_before_the_checks(self):
        """19.0.1.7.4 adds checks that refuse NaN and infinities; the rows an
        older release let in are set back to the default (or the bound they
        passed), so that the check can be added on the upgrade."""
        company = self.env.company
        agency = self.env["credit.agency"].create({"name": "Legacy Agency"})
        self._drop("res_company", "res_company_credit_warn_score_range")
        self._drop("res_company", "res_company_credit_warn_utilisation_positive")
        self._drop("credit_agency", "credit_agency_scale_finite")
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "UPDATE res_company SET credit_warn_score_drop = 'NaN',"
                " credit_warn_score_threshold = 140,"
                " credit_warn_utilisation = 'Infinity' WHERE id = %s",
                company.id,
            )
        )
        self.env.cr.execute(
            SQL(
                "UPDATE credit_agency SET scale_best = '-Infinity' WHERE id = %s",
                agency.id,
            )
        )
        with self.assertLogs(
            "credit_management_migration_19_0_1_7_4", "WARNING"
        ) as logged:
            self._migrate("19.0.1.7.4", "pre", "19.0.1.7.3")
        # The administrator sees what was changed, row by row.
        self.assertIn(
            f"res_company.credit_warn_score_drop was not a number in rows "
            f"[{company.id}]: set to 10.0",
            "\n".join(logged.output),
        )
        self.env.invalidate_all()
        self.assertEqual(company.credit_warn_score_drop, 10.0)  # the default
        self.assertEqual(company.credit_warn_score_threshold, 100.0)  # the bound
        self.assertEqual(company.credit_warn_utilisation, 90.0)
        self.assertEqual(agency.scale_best, 100.0)
        self.assertEqual(agency.scale_worst, 0.0)  # a number: left alone
        # The checks can now be added, as the upgrade adds them.
        self.env.cr.execute(
            "ALTER TABLE res_company ADD CONSTRAINT check_again"
            " CHECK(credit_warn_score_drop >= 0 AND credit_warn_score_drop <= 100"
            " AND credit_warn_score_threshold <= 100"
            " AND credit_warn_utilisation < 'Infinity')"
        )
        self.env.cr.execute(
            "ALTER TABLE credit_agency ADD CONSTRAINT check_again"
            " CHECK(abs(scale_best) < 'Infinity')"
        )

    def test_second_approvers_chosen_before_read_credit_figures(self):
        """19.0.1.7.6: a group of the company's own chosen as Second Approvers
        before the release is given "Read Credit Figures" by the upgrade."""
        reader = self.env.ref("credit_management.group_credit_reader")
        group = self.env["res.groups"].create({"name": "Legacy approvers"})
        # As an older release left it: chosen, without the implied group.
        self.env.cr.execute(
            SQL(
                "UPDATE res_company SET credit_request_group_id = %s WHERE id = %s",
                group.id,
                self.env.company.id,
            )
        )
        self.env.invalidate_all()
        self.assertNotIn(reader, group.all_implied_ids)
        with self.assertLogs(
            "credit_management_migration_19_0_1_7_6", "WARNING"
        ) as logged:
            self._migrate("19.0.1.7.6", "post", "19.0.1.7.5")
        self.assertIn("Legacy approvers", "\n".join(logged.output))
        self.env.invalidate_all()
        self.assertIn(reader, group.all_implied_ids)

    def test_paid_dates_stored_and_their_lookup_index_dropped(self):
        """19.0.1.8.0 stores the paid date of customer invoices: the upgrade
        creates and fills the column before the ORM would compute it over the
        whole ledger, and drops the index that served the lookup."""
        cr = self.env.cr
        self.env.flush_all()
        paid = SQL(
            "SELECT id, credit_paid_date FROM account_move"
            " WHERE credit_paid_date IS NOT NULL ORDER BY id"
        )
        before = self.env.execute_query(paid)
        # As 19.0.1.7.6 left it: no column, the payment-term index.
        cr.execute("ALTER TABLE account_move DROP COLUMN credit_paid_date")
        cr.execute(
            "CREATE INDEX account_move_line_credit_payment_term_idx"
            " ON account_move_line (move_id) INCLUDE (id)"
            " WHERE display_type = 'payment_term'"
        )
        self._migrate("19.0.1.8.0", "pre", "19.0.1.7.6")
        self.assertEqual(self.env.execute_query(paid), before)
        cr.execute(
            "SELECT 1 FROM pg_indexes"
            " WHERE indexname = 'account_move_line_credit_payment_term_idx'"
        )
        self.assertFalse(cr.fetchall())
