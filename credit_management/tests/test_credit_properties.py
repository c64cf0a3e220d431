"""Property-based tests (hypothesis) of the score and exposure computations.

Examples are derandomised (same examples on every run, no example database), so a
failure in CI is reproducible.
"""

from dateutil.relativedelta import relativedelta
from hypothesis import (
    HealthCheck,
    given,
    settings,
    strategies as st,
)
from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import CreditCommon

FACTOR_CODES = (
    "payment_delay",
    "payment_on_time",
    "overdue_days",
    "overdue_share",
    "utilisation",
    "relationship",
    "sales_volume",
    "external_rating",
    "solvency",
    "liquidity",
    "country_risk",
    "payment_index",
    "late_probability",
)
PURE = settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
LEDGER = settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

raw_value = st.one_of(
    st.none(),
    st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False),
)
raws_strategy = st.fixed_dictionaries({code: raw_value for code in FACTOR_CODES})
weights_strategy = st.fixed_dictionaries(
    {code: st.integers(min_value=0, max_value=100) for code in FACTOR_CODES}
)
amount = st.integers(min_value=1, max_value=50_000)


@tagged("post_install", "-at_install")
class TestCreditProperties(CreditCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.scoring = cls.env["credit.scoring"]
        cls.factors = cls.company.credit_score_factor_ids
        cls.factor = {factor.code: factor for factor in cls.factors}
        cls.other_currency = cls.setup_other_currency("EUR")

    def test_every_factor_is_exercised(self):
        self.assertEqual(set(self.factor), set(FACTOR_CODES))

    def _settings(self, weights):
        return {
            factor.id: (weights[factor.code], factor.best_value, factor.worst_value)
            for factor in self.factors
        }

    # ------------------------------------------------------------------
    # Score, on raw factor values
    # ------------------------------------------------------------------
    @PURE
    @given(raws=raws_strategy, weights=weights_strategy)
    def test_score_is_bounded_and_adds_up(self, raws, weights):
        score, lines = self.scoring._credit_score(
            raws, self.factors, self._settings(weights)
        )
        with_data = [line for line in lines if line["has_data"]]
        if not sum(weights[c] for c in FACTOR_CODES if raws[c] is not None):
            self.assertIsNone(score)
            self.assertFalse(with_data)
            return
        self.assertGreaterEqual(score, 0.0)
        self.assertLessEqual(score, 100.0)
        for line in lines:
            self.assertGreaterEqual(line["normalised_value"], 0.0)
            self.assertLessEqual(line["normalised_value"], 100.0)
        # Factors without data are left out and the weights re-normalised.
        self.assertAlmostEqual(sum(x["effective_weight"] for x in with_data), 100, 0)
        self.assertAlmostEqual(
            sum(line["contribution"] for line in lines), score, places=6
        )

    @PURE
    @given(raws=raws_strategy, weights=weights_strategy)
    def test_scorecard_scores_as_the_factors_and_reads_no_record(self, raws, weights):
        """A re-rating reads the factors once per batch (the scorecard), not for
        every customer: scoring from it gives the same score and lines, and
        queries nothing even with the factors' fields out of the cache."""
        config = self._settings(weights)
        card = self.scoring._credit_scorecard(self.factors, config)
        expected = self.scoring._credit_score(raws, self.factors, config)
        self.factors.invalidate_recordset()
        with self.assertQueryCount(0):
            got = self.scoring._credit_score(raws, card)
        self.assertEqual(got, expected)

    def test_scorecard_refuses_a_factor_without_slope(self):
        factor = self.factor["payment_delay"]
        config = self._settings(dict.fromkeys(FACTOR_CODES, 10))
        config[factor.id] = (10, 30.0, 30.0)
        with self.assertRaisesRegex(ValidationError, "must differ"):
            self.scoring._credit_scorecard(self.factors, config)

    @PURE
    @given(
        raws=raws_strategy,
        weights=weights_strategy,
        code=st.sampled_from(FACTOR_CODES),
        worse_by=st.floats(min_value=0, max_value=1e6, allow_nan=False),
    )
    def test_a_worse_factor_never_improves_the_score(
        self, raws, weights, code, worse_by
    ):
        """Moving any factor towards its worst value (more days overdue, larger
        overdue share, later payments, ...) never raises the score."""
        factor = self.factor[code]
        base = raws[code] if raws[code] is not None else factor.best_value
        direction = 1.0 if factor.worst_value > factor.best_value else -1.0
        better = dict(raws, **{code: base})
        worse = dict(raws, **{code: base + direction * worse_by})
        config = self._settings(weights)
        score_better = self.scoring._credit_score(better, self.factors, config)[0]
        score_worse = self.scoring._credit_score(worse, self.factors, config)[0]
        if score_better is None:
            self.assertIsNone(score_worse)
        else:
            self.assertLessEqual(score_worse, score_better)

    # ------------------------------------------------------------------
    # Score and exposure, on a real ledger
    # ------------------------------------------------------------------
    def _customer(self, name, limit=0.0):
        return self.env["res.partner"].create(
            {"name": name, "is_company": True, "credit_limit": limit}
        )

    def _post_invoice(self, partner, amount, days_overdue, invoice_days_ago=200):
        invoice = self.init_invoice(
            "out_invoice",
            partner=partner,
            invoice_date=self.today - relativedelta(days=invoice_days_ago),
            amounts=[amount],
            taxes=[],
        )
        invoice.invoice_date_due = self.today - relativedelta(days=days_overdue)
        invoice.action_post()
        return invoice

    @LEDGER
    @given(
        invoices=st.lists(
            st.tuples(amount, st.integers(min_value=-30, max_value=150)),
            min_size=1,
            max_size=4,
        ),
        later_by=st.lists(st.integers(min_value=0, max_value=120), min_size=4),
    )
    def test_more_overdue_never_improves_the_score(self, invoices, later_by):
        """Two customers with the same invoices (same dates, same amounts); one
        of them is further past due on some of them. Its score is never higher."""
        punctual = self._customer("Punctual", limit=100_000)
        late = self._customer("Late", limit=100_000)
        for (value, overdue), extra in zip(invoices, later_by, strict=False):
            self._post_invoice(punctual, value, overdue)
            self._post_invoice(late, value, overdue + extra)
        raws = self.scoring._credit_factor_raw_values(punctual | late)
        figures_punctual = raws[punctual.id]["figures"]
        figures_late = raws[late.id]["figures"]
        self.assertEqual(
            figures_punctual["credit_exposure"], figures_late["credit_exposure"]
        )
        self.assertGreaterEqual(
            figures_late["receivable_overdue"], figures_punctual["receivable_overdue"]
        )
        score_punctual = self.scoring._credit_score(raws[punctual.id], self.factors)[0]
        score_late = self.scoring._credit_score(raws[late.id], self.factors)[0]
        self.assertLessEqual(score_late, score_punctual)

    @LEDGER
    @given(
        open_invoices=st.lists(amount, max_size=3),
        paid_invoices=st.lists(amount, max_size=2),
        draft_invoices=st.lists(amount, max_size=2),
        orders=st.lists(amount, max_size=2),
        eur_invoice=st.one_of(st.none(), amount),
    )
    def test_exposure_is_the_sum_of_its_parts(
        self, open_invoices, paid_invoices, draft_invoices, orders, eur_invoice
    ):
        """Exposure = open receivables + confirmed orders not invoiced + draft
        invoices, in company currency; paid invoices do not count."""
        partner = self._customer("Exposure")
        for value in open_invoices:
            self._post_invoice(partner, value, days_overdue=0)
        for value in paid_invoices:
            self._register_payment(self._post_invoice(partner, value, 0))
        for value in draft_invoices:
            self.init_invoice("out_invoice", partner=partner, amounts=[value], taxes=[])
        for value in orders:
            self.env["sale.order"].create(
                {
                    "partner_id": partner.id,
                    "order_line": [
                        Command.create(
                            {
                                "product_id": self.product_a.id,
                                "price_unit": value,
                                "tax_ids": [],
                            }
                        )
                    ],
                }
            ).action_confirm()
        expected_open = sum(open_invoices)
        if eur_invoice:
            invoice = self.init_invoice(
                "out_invoice",
                partner=partner,
                invoice_date=self.today,
                amounts=[eur_invoice],
                taxes=[],
                currency=self.other_currency,
            )
            invoice.action_post()
            expected_open += invoice.amount_total_signed
        figures = self.env["credit.exposure"]._credit_figures(partner)[partner.id]
        self.assertAlmostEqual(figures["receivable_open"], expected_open, 2)
        self.assertAlmostEqual(figures["invoices_draft"], sum(draft_invoices), 2)
        self.assertAlmostEqual(figures["orders_uninvoiced"], sum(orders), 2)
        self.assertAlmostEqual(
            figures["credit_exposure"],
            expected_open + sum(draft_invoices) + sum(orders),
            2,
        )
        self.assertEqual(figures["receivable_overdue"], 0.0)

    @LEDGER
    @given(
        limit=st.integers(min_value=0, max_value=20_000),
        invoices=st.lists(
            st.tuples(amount, st.integers(min_value=0, max_value=120)), max_size=3
        ),
        order_amount=amount,
        hold=st.booleans(),
        shadow_rules=st.sets(
            st.sampled_from(["limit", "overdue", "hold", "terms", "prepayment"])
        ),
    )
    def test_shadow_mode_would_block_what_enforcing_blocks(
        self, limit, invoices, order_amount, hold, shadow_rules
    ):
        """The same decisions, enforced or in shadow: what shadow mode lists as
        "would have blocked" is what enforcing blocks, rule for rule, and the
        rules it does not shadow block as they do when enforced."""
        partner = self._customer("Shadow")
        partner.write(
            {
                "credit_limit": limit,
                "credit_hold": hold,
                "credit_hold_reason": "Property" if hold else False,
            }
        )
        for value, days in invoices:
            self._post_invoice(partner, value, days_overdue=days)
        order = self.env["sale.order"].create(
            {
                "partner_id": partner.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": self.product_a.id,
                            "price_unit": order_amount,
                            "tax_ids": [],
                        }
                    )
                ],
            }
        )
        company = order.company_id
        Policy = self.env["credit.policy"]
        company.credit_shadow_mode = "off"
        enforced = Policy._credit_check(order)
        company.credit_shadow_mode = "all"
        shadow_all = Policy._credit_check(order)
        company.write(
            {
                "credit_shadow_mode": "rules",
                **{
                    f"credit_shadow_{code}": code in shadow_rules
                    for code in ("limit", "overdue", "hold", "terms", "prepayment")
                },
            }
        )
        shadow_some = Policy._credit_check(order)
        company.credit_shadow_mode = "off"
        self.assertEqual(shadow_all["codes"], [])
        self.assertEqual(shadow_all["shadow_codes"], enforced["codes"])
        self.assertEqual(shadow_all["shadow_reasons"], enforced["reasons"])
        self.assertEqual(
            shadow_some["codes"],
            [code for code in enforced["codes"] if code not in shadow_rules],
        )
        self.assertEqual(
            shadow_some["shadow_codes"],
            [code for code in enforced["codes"] if code in shadow_rules],
        )
