from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, float_round, ormcache

from ..tools.prepared import execute_prepared_dict

CREDIT_FIGURES = (
    "receivable_open",
    "receivable_overdue",
    "overdue_invoice_count",
    "max_days_overdue",
    "orders_uninvoiced",
    "invoices_draft",
)
# Figures for the policy check only: exposure, and the overdue items past the
# company's tolerated days (credit_overdue_days).
POLICY_FIGURES = ("credit_exposure", "overdue_beyond_amount", "overdue_beyond_count")
# Key of the securities' rows in what _credit_figures returns (securities_of).
SECURITY_ROWS = "security_rows"
# What the confirmation decides on (see _credit_figures(detail=False)).
POLICY_DECISION = (
    "receivable_open",
    "orders_uninvoiced",
    "invoices_draft",
    "credit_exposure",
    "overdue_beyond_amount",
)


class CreditExposure(models.AbstractModel):
    """Every figure about what customers owe or will owe, for any set of
    customers, on any date: open receivables (overdue and beyond the tolerated
    days), confirmed orders not invoiced, draft invoices, and the exposure they
    sum to, in the current company's currency. Nothing else writes SQL over open
    items: scoring, warnings, the re-rating passes and the aging report build on
    the clauses given here.
    """

    _name = "credit.exposure"
    _description = "Credit Exposure"

    @api.model
    def _credit_company_ids(self):
        """Companies whose documents count toward the current company's exposure:
        its whole branch family (the root company and every branch), which shares
        one accounting and so one exposure per customer.

        sudo: the family is a fact of the configuration, not of the companies the
        user has selected in the switcher; without it the check gave another
        answer to each user.
        """
        return list(self._credit_family_ids(self.env.company.id))

    @ormcache("company_id")
    def _credit_family_ids(self, company_id):
        """The active companies of the family of ``company_id`` (of its root
        company), cached: every confirmation asked for them, a search costing
        about a millisecond of its check, and the root company, a computed
        field, another tenth (profiles in bench/ANALYSIS.md). The cache stays
        right because a family only changes when a company is created, deleted
        or archived, and res.company clears the registry caches then (its
        parent cannot be changed)."""
        root_id = self.env["res.company"].sudo().browse(company_id).root_id.id
        return tuple(
            self.env["res.company"]
            .sudo()
            .with_context(active_test=True)
            .search([("id", "child_of", root_id)])
            .ids
        )

    @api.model
    def _credit_open_receivables_sql(self, company_ids, join=None, commercial_ids=None):
        """FROM and WHERE of the open (posted, unreconciled) receivable items of
        ``company_ids``, as ``aml``; ``join`` adds tables before the WHERE (join
        ``res_partner`` for the commercial partner of a line); ``commercial_ids``
        restricts them to these commercial partners. Flushes everything these
        clauses read.

        Accounts and partners are given to PostgreSQL as arrays, so that it reads
        the index of open items on (account_id, partner_id) (see
        account.move.line): the cost follows the customer's open items, not its
        history (with a join on account_account, a customer with a long history
        was read line by line through the partner index, every settled line
        included).
        """
        self.env["account.move.line"].flush_model(
            [
                "account_id",
                "amount_residual",
                "amount_residual_currency",
                "currency_id",
                "company_id",
                "date_maturity",
                "move_id",
                "parent_state",
                "partner_id",
                "reconciled",
            ]
        )
        self.env["account.account"].flush_model(["account_type"])
        self.env["res.partner"].flush_model(["commercial_partner_id"])
        partner_clause = SQL()
        if commercial_ids is not None:
            partner_clause = SQL(
                "AND aml.partner_id = ANY(%s)",
                self._credit_contact_ids_sql(commercial_ids),
            )
        return SQL(
            """
              FROM account_move_line aml
              %s
             WHERE aml.account_id = ANY(%s)
               AND aml.parent_state = 'posted'
               AND aml.reconciled IS NOT TRUE
               AND (aml.amount_residual != 0 OR aml.amount_residual_currency != 0)
               AND aml.company_id = ANY(%s)
                   %s
            """,
            join or SQL(),
            self._credit_receivable_account_ids_sql(),
            company_ids,
            partner_clause,
        )

    @api.model
    def _credit_contact_ids_sql(self, commercial_ids):
        """SQL array of the ids of ``commercial_ids`` and all their contacts.

        Compared with ``= ANY(...)``, it lets PostgreSQL reach move lines and
        moves through their partner indexes (a join on res_partner made it scan
        the whole table for a batch of customers).
        """
        return SQL(
            "ARRAY(SELECT id FROM res_partner WHERE commercial_partner_id = ANY(%s))",
            list(commercial_ids),
        )

    @api.model
    def _credit_receivable_account_ids_sql(self, literal=False):
        """SQL array of the ids of the receivable accounts (see above).

        :param literal: read the ids now and give them as a constant array: with
            a sub-select, PostgreSQL cannot estimate how many lines match and
            plans a scan of the whole ledger as if every line did (at 2.4M lines
            that estimate alone made it spend a second compiling the aging query
            with JIT); with the constant it uses the column statistics
        """
        if literal:
            self.env["account.account"].flush_model(["account_type"])
            [[account_ids]] = self.env.execute_query(
                SQL(
                    "SELECT COALESCE(ARRAY_AGG(id), '{}') FROM account_account"
                    " WHERE account_type = 'asset_receivable'"
                )
            )
            return SQL("%s::int[]", account_ids)
        return SQL(
            "ARRAY(SELECT id FROM account_account"
            " WHERE account_type = 'asset_receivable')"
        )

    @api.model
    def _credit_figures(self, partners, date=None, detail=True, securities_of=None):
        """Credit figures of the commercial entities of ``partners`` for the
        current company, in company currency at the rate of ``date`` (default
        today).

        One statement for the whole recordset, whatever its size, of three
        grouped parts: open receivables, confirmed orders not invoiced, draft
        invoices.

        :param detail: False for what the confirmation policy decides on only
            (exposure and its parts, items overdue beyond the tolerated days,
            ``POLICY_DECISION``): plain sums, without the counts of
            distinct invoices and the oldest due date, which need a sort of
            every open item
        :param securities_of: the sale.order being checked: the securities
            that count for it (``_credit_secured``) are read in the same
            statement, a round trip less for every confirmation, and given
            under ``SECURITY_ROWS`` (a list of rows for ``_credit_secured``)
        :return: {commercial_partner_id: {field name: value}} for every
            commercial partner of ``partners`` (zeros where nothing is open)
        """
        company = self.env.company
        date = date or fields.Date.context_today(self)
        commercial_ids = list(set(partners.commercial_partner_id.ids))
        names = (*CREDIT_FIGURES, *POLICY_FIGURES) if detail else POLICY_DECISION
        result = defaultdict(lambda: dict.fromkeys(names, 0))
        if securities_of is not None:
            for partner_id in commercial_ids:
                result[partner_id][SECURITY_ROWS] = []
        if not commercial_ids:
            return result
        company_ids = self._credit_company_ids()
        self.env["account.move"].flush_model(
            ["amount_total", "commercial_partner_id", "company_id", "currency_id"]
            + ["move_type", "state"]
        )
        self.env["sale.order"].flush_model(
            ["amount_total", "company_id", "currency_id", "invoice_status", "locked"]
            + ["partner_invoice_id", "state"]
        )
        self.env["sale.order.line"].flush_model(
            ["display_type", "invoice_lines", "is_downpayment", "order_id"]
            + ["price_reduce_taxinc", "qty_to_invoice"]
        )
        self.env["account.move.line"].flush_model(["move_id", "price_total"])
        self.env["res.partner"].flush_model(["commercial_partner_id"])
        open_items = self._credit_open_receivables_sql(
            company_ids,
            commercial_ids=commercial_ids,
            join=SQL(
                """,
                   LATERAL (SELECT aml.date_maturity < %(date)s
                                   AND aml.amount_residual > 0 AS overdue,
                                   aml.date_maturity < %(beyond_date)s
                                   AND aml.amount_residual > 0 AS beyond) o""",
                date=date,
                beyond_date=date - timedelta(days=company.credit_overdue_days),
            ),
        )
        # One statement for the three parts, so that a confirmation pays one
        # round trip for them: rows of kind 'open' (open items), 'order'
        # (confirmed orders not invoiced) and 'draft' (draft invoices), with
        # the columns of the open items (NULL where a part has none).
        details = SQL()
        no_details = SQL()
        if detail:
            details = SQL(
                """,
                   SUM(aml.amount_residual) FILTER (WHERE overdue) AS overdue,
                   SUM(aml.amount_residual_currency) FILTER (WHERE overdue)
                       AS overdue_currency,
                   COUNT(DISTINCT aml.move_id) FILTER (WHERE overdue)
                       AS overdue_count,
                   MIN(aml.date_maturity) FILTER (WHERE overdue) AS oldest_due,
                   COUNT(DISTINCT aml.move_id) FILTER (WHERE beyond)
                       AS beyond_count"""
            )
            no_details = SQL(", NULL, NULL, NULL, NULL::date, NULL")
        # Open items: aggregated per line partner first, then mapped to the
        # commercial partner: a join per open line cost more than the aggregate
        # itself for a customer with thousands of open items. Counts of moves
        # add up across contacts (a customer invoice's receivable lines all
        # carry the commercial partner; a manual entry splitting one move
        # between two contacts of the same customer would count once per
        # contact).
        #
        # Confirmed orders: what they still add is the order total less what
        # its invoices (draft or posted, down payments and their deductions
        # included, credit notes not: a credit note does not bring the order
        # back) already carry; for a locked order, only what is left to invoice
        # of what was delivered (its undelivered rest is given up), unless the
        # company locks every order at confirmation (Sales setting "Lock
        # Confirmed Sales"), where a lock says nothing about the rest. Fully
        # invoiced orders add nothing: left out by the index condition
        # (sale.order), so a long order history is never read.
        lock_ends = not self.env["res.groups"]._is_feature_enabled(
            "sale.group_auto_done_setting"
        )
        query = SQL(
            """
            SELECT 'open' AS kind, p.commercial_partner_id AS partner_id,
                   open.currency_id, open.residual AS amount,
                   open.residual_currency AS amount_currency,
                   open.beyond, open.beyond_currency
                   %(open_details)s
              FROM (SELECT aml.partner_id AS line_partner_id,
                           aml.currency_id,
                           SUM(aml.amount_residual) AS residual,
                           SUM(aml.amount_residual_currency) AS residual_currency,
                           SUM(aml.amount_residual) FILTER (WHERE beyond) AS beyond,
                           SUM(aml.amount_residual_currency) FILTER (WHERE beyond)
                               AS beyond_currency
                           %(details)s
                      %(open_items)s
                  GROUP BY aml.partner_id, aml.currency_id) open
              JOIN res_partner p ON p.id = open.line_partner_id
         UNION ALL
            SELECT 'order', p.commercial_partner_id, so.currency_id, NULL,
                   SUM(CASE WHEN so.locked AND %(lock_ends)s
                            THEN COALESCE(rest.amount, 0)
                            ELSE GREATEST(so.amount_total - COALESCE(inv.amount, 0), 0)
                       END),
                   NULL, NULL %(no_details)s
              FROM sale_order so
              JOIN res_partner p ON p.id = so.partner_invoice_id
         LEFT JOIN LATERAL (
                    SELECT SUM(aml.price_total) AS amount
                      FROM sale_order_line sol
                      JOIN sale_order_line_invoice_rel rel
                        ON rel.order_line_id = sol.id
                      JOIN account_move_line aml ON aml.id = rel.invoice_line_id
                      JOIN account_move am ON am.id = aml.move_id
                     WHERE sol.order_id = so.id
                       AND am.move_type = 'out_invoice'
                       AND am.state != 'cancel') inv ON TRUE
         LEFT JOIN LATERAL (
                    SELECT SUM(GREATEST(sol.qty_to_invoice, 0)
                               * sol.price_reduce_taxinc) AS amount
                      FROM sale_order_line sol
                     WHERE sol.order_id = so.id
                       AND sol.display_type IS NULL
                       AND sol.is_downpayment IS NOT TRUE) rest
                ON so.locked AND %(lock_ends)s
             WHERE so.state = 'sale'
               AND so.invoice_status IS DISTINCT FROM 'invoiced'
               AND so.partner_invoice_id = ANY(%(contact_ids)s)
               AND so.company_id = ANY(%(company_ids)s)
          GROUP BY p.commercial_partner_id, so.currency_id
         UNION ALL
            SELECT 'draft', am.commercial_partner_id, am.currency_id, NULL,
                   SUM(CASE WHEN am.move_type = 'out_refund'
                            THEN -am.amount_total ELSE am.amount_total END),
                   NULL, NULL %(no_details)s
              FROM account_move am
             WHERE am.state = 'draft'
               AND am.move_type IN ('out_invoice', 'out_refund')
               AND am.company_id = ANY(%(company_ids)s)
               AND am.commercial_partner_id = ANY(%(partner_ids)s)
          GROUP BY am.commercial_partner_id, am.currency_id
                   %(securities)s
                """,
            open_items=open_items,
            details=details,
            open_details=SQL(
                ", open.overdue, open.overdue_currency, open.overdue_count,"
                " open.oldest_due, open.beyond_count"
            )
            if detail
            else SQL(),
            no_details=no_details,
            # The securities as rows of kind 'security:<type>', with their
            # coverage as amount and their own amount as amount in currency.
            securities=SQL(
                """
         UNION ALL
            SELECT 'security:' || security_type, partner_id, currency_id,
                   coverage::numeric, amount, NULL, NULL %s
                   %s""",
                no_details,
                self._credit_securities_sql(commercial_ids, date, securities_of),
            )
            if securities_of is not None
            else SQL(),
            company_ids=company_ids,
            partner_ids=commercial_ids,
            contact_ids=self._credit_contact_ids_sql(commercial_ids),
            # A constant, not a parameter: the plan leaves out the locked
            # orders' rest where it cannot count (a prepared statement's
            # generic plan would keep it for a parameter).
            lock_ends=SQL("TRUE" if lock_ends else "FALSE"),
        )
        # One customer (a confirmation's check, the customer form): the plan
        # is most of the statement's time, kept by the connection across calls
        # (tools/prepared.py); a batch is planned for its own customers.
        rows = (
            execute_prepared_dict(self.env, query, hash_aggregate=True)
            if len(commercial_ids) == 1
            else self.env.execute_query_dict(query)
        )
        # The securities' currencies are rated by _credit_secured, which
        # converts them.
        rates = self._credit_rates(
            {
                row["currency_id"]
                for row in rows
                if not row["kind"].startswith("security:")
            },
            date,
        )
        company_currency = company.currency_id
        # The currency's rounding read once (res.currency.round reads the field
        # through the ORM at each call: twice per customer of a batch).
        rounding = company_currency.rounding

        def round_amount(amount):
            return float_round(amount, precision_rounding=rounding)

        def convert(currency_id, amount, company_amount=None):
            if currency_id == company_currency.id and company_amount is not None:
                return company_amount
            return round_amount((amount or 0.0) * rates[currency_id])

        part = {"order": "orders_uninvoiced", "draft": "invoices_draft"}
        for row in rows:
            values = result[row["partner_id"]]
            currency_id = row["currency_id"]
            if row["kind"].startswith("security:"):
                values[SECURITY_ROWS].append(
                    (
                        row["partner_id"],
                        row["kind"].removeprefix("security:"),
                        currency_id,
                        row["amount_currency"],
                        row["amount"],
                    )
                )
                continue
            if row["kind"] != "open":
                values[part[row["kind"]]] += convert(
                    currency_id, row["amount_currency"]
                )
                continue
            values["receivable_open"] += convert(
                currency_id, row["amount_currency"], row["amount"]
            )
            values["overdue_beyond_amount"] += convert(
                currency_id, row["beyond_currency"], row["beyond"] or 0.0
            )
            if not detail:
                continue
            values["receivable_overdue"] += convert(
                currency_id, row["overdue_currency"], row["overdue"] or 0.0
            )
            values["overdue_invoice_count"] += row["overdue_count"]
            values["overdue_beyond_count"] += row["beyond_count"]
            if row["oldest_due"]:
                values["max_days_overdue"] = max(
                    values["max_days_overdue"], (date - row["oldest_due"]).days
                )
        for partner_id in commercial_ids:
            values = result[partner_id]
            values["credit_exposure"] = round_amount(
                values["receivable_open"]
                + values["orders_uninvoiced"]
                + values["invoices_draft"]
            )
        return result

    @api.model
    def _credit_secured_terms(self, limit, exposure, secured):
        """(limit, exposure) as the current company counts securities: on top of
        the limit, or off the exposure. Usage and available credit read these."""
        if self.env.company.credit_security_mode == "exposure":
            return limit, exposure - secured
        return limit + secured, exposure

    @api.model
    def _credit_securities_sql(self, partner_ids, date, order=None):
        """FROM and WHERE of the securities that count for ``partner_ids`` on
        ``date`` in the current company (see ``_credit_secured``)."""
        self.env["credit.security"].flush_model()
        return SQL(
            """
              FROM credit_security
             WHERE partner_id = ANY(%(partner_ids)s)
               AND company_id = %(company_id)s
               AND state = 'active'
               AND date_from <= %(date)s
               AND (date_to IS NULL OR date_to > %(date)s)
               AND (security_type != 'documentary_lc' OR order_id = %(order_id)s)
            """,
            partner_ids=list(partner_ids),
            company_id=self.env.company.id,
            date=date,
            order_id=order.id if order and order.id else 0,
        )

    @api.model
    def _credit_secured(
        self, partners, date=None, exposures=None, order=None, rows=None
    ):
        """Secured amount of each commercial partner, in company currency, on
        ``date``: its active securities of the current company valid that day
        (from their start, until the day before their end, whether or not the
        daily expiry ran). Credit insurance secures the insured share of what
        is owed: min(insured amount, exposure) x coverage; a documentary letter
        of credit secures its own order only.

        :param exposures: {partner_id: exposure the insurance covers} (default 0:
            insurance secures nothing without an exposure)
        :param order: the sale.order being checked (its letters of credit count)
        :param rows: the securities, read already by ``_credit_figures``
            (``securities_of``): (partner_id, type, currency_id, amount,
            coverage) each
        :return: {partner_id: secured amount} for partners with securities
        """
        date = date or fields.Date.context_today(self)
        exposures = exposures or {}
        company = self.env.company
        if rows is None:
            rows = self.env.execute_query(
                SQL(
                    "SELECT partner_id, security_type, currency_id, amount,"
                    " coverage %s",
                    self._credit_securities_sql(partners.ids, date, order),
                )
            )
        if not rows:
            return {}
        rates = self._credit_rates(list({row[2] for row in rows}), date)
        secured = defaultdict(float)
        for partner_id, security_type, currency_id, amount, coverage in rows:
            value = amount * rates[currency_id]
            if security_type == "insurance":
                value = min(value, max(exposures.get(partner_id, 0.0), 0.0))
                value *= coverage / 100.0
            secured[partner_id] += value
        return {
            partner_id: company.currency_id.round(value)
            for partner_id, value in secured.items()
        }

    @api.model
    def _credit_rates(self, currency_ids, date):
        """Rates converting each currency into the company currency at ``date``.

        A foreign currency without any rate up to that date is a configuration
        error: it raises instead of silently counting the amount at 1:1.
        """
        company = self.env.company
        currencies = self.env["res.currency"].browse(currency_ids)
        foreign = currencies - company.currency_id
        if foreign:
            rated = {
                currency
                for [currency] in self.env["res.currency.rate"]
                # sudo: rates are not confidential; salesmen lack accounting rights
                .sudo()
                ._read_group(
                    [
                        ("currency_id", "in", foreign.ids),
                        ("name", "<=", date),
                        ("company_id", "in", (False, company.root_id.id, company.id)),
                    ],
                    ["currency_id"],
                )
            }
            missing = foreign - self.env["res.currency"].union(*rated)
            if missing:
                raise UserError(
                    self.env._(
                        "No exchange rate for %(currencies)s on or before %(date)s in "
                        "company %(company)s: credit exposure cannot be computed. "
                        "Add the rate in Accounting › Configuration › Currencies.",
                        currencies=", ".join(missing.mapped("name")),
                        date=date,
                        company=company.name,
                    )
                )
        return {
            currency.id: currency._get_conversion_rate(
                currency, company.currency_id, company, date
            )
            for currency in currencies
        }

    @api.model
    def _credit_partner_ids_due_in(self, ranges):
        """Commercial partners (ids) with an open debit item of the company
        family whose due date falls in one of ``ranges``: (from, to) pairs, from
        included, to excluded, None for no bound (one query)."""
        conditions = [
            SQL(
                "(%s AND %s)",
                SQL("aml.date_maturity >= %s", start) if start else SQL("TRUE"),
                SQL("aml.date_maturity < %s", end) if end else SQL("TRUE"),
            )
            for start, end in ranges
        ]
        rows = self.env.execute_query(
            SQL(
                """
            SELECT DISTINCT p.commercial_partner_id
              %(open_items)s
               AND aml.amount_residual > 0
               AND (%(due)s)
                """,
                open_items=self._credit_open_receivables_sql(
                    self._credit_company_ids(),
                    join=SQL("JOIN res_partner p ON p.id = aml.partner_id"),
                ),
                due=SQL(" OR ").join(conditions),
            )
        )
        return [row[0] for row in rows]

    @api.model
    def _credit_overdue_items(self, partner_ids, date):
        """The open debit items of commercial partners ``partner_ids`` past due
        on ``date``, and what each partner owes in all (one query each).

        :return: ([(line id, partner id, due date, open amount)], oldest first;
            {partner id: open receivables}), amounts in company currency
        """
        company_ids = self._credit_company_ids()
        items = self.env.execute_query(
            SQL(
                """
            SELECT aml.id, p.commercial_partner_id, aml.date_maturity,
                   aml.amount_residual
              %(open_items)s
               AND aml.amount_residual > 0
               AND aml.date_maturity < %(date)s
             ORDER BY aml.date_maturity, aml.id
                """,
                open_items=self._credit_open_receivables_sql(
                    company_ids,
                    join=SQL("JOIN res_partner p ON p.id = aml.partner_id"),
                    commercial_ids=partner_ids,
                ),
                date=date,
            )
        )
        totals = self.env.execute_query(
            SQL(
                """
            SELECT p.commercial_partner_id, SUM(aml.amount_residual)
              %(open_items)s
             GROUP BY p.commercial_partner_id
                """,
                open_items=self._credit_open_receivables_sql(
                    company_ids,
                    join=SQL("JOIN res_partner p ON p.id = aml.partner_id"),
                    commercial_ids=partner_ids,
                ),
            )
        )
        return items, dict(totals)

    @api.model
    def _credit_received(self, periods):
        """What customers paid (or were credited) on their receivable accounts
        in given periods, in company currency (one query).

        :param periods: [(key, commercial partner id, first day, last day)]
        :return: {key: amount received}
        """
        if not periods:
            return {}
        keys, partner_ids, starts, ends = zip(*periods, strict=True)
        self.env["account.move.line"].flush_model(
            [
                "account_id",
                "balance",
                "company_id",
                "date",
                "parent_state",
                "partner_id",
            ]
        )
        rows = self.env.execute_query(
            SQL(
                """
            SELECT period.key, -SUM(aml.balance)
              FROM unnest(%(keys)s::int[], %(partner_ids)s::int[],
                          %(starts)s::date[], %(ends)s::date[])
                   AS period(key, partner_id, date_from, date_to)
              JOIN account_move_line aml
                ON aml.partner_id = ANY(%(contacts)s)
               AND aml.date BETWEEN period.date_from AND period.date_to
              JOIN res_partner p
                ON p.id = aml.partner_id
               AND p.commercial_partner_id = period.partner_id
             WHERE aml.account_id = ANY(%(accounts)s)
               AND aml.parent_state = 'posted'
               AND aml.balance < 0
               AND aml.company_id = ANY(%(company_ids)s)
             GROUP BY period.key
                """,
                keys=list(keys),
                partner_ids=list(partner_ids),
                starts=list(starts),
                ends=list(ends),
                contacts=self._credit_contact_ids_sql(set(partner_ids)),
                accounts=self._credit_receivable_account_ids_sql(),
                company_ids=self._credit_company_ids(),
            )
        )
        return dict(rows)

    @api.model
    def _credit_exposure_as_of(self, order_ids, overdue_days=()):
        """The exposure of each order's customer as it was when the order was
        confirmed (the what-if replay), in company currency, for all the orders
        at once (one query).

        The ledger is read as it stood at the start of the order's day: receivable
        lines (posted now) dated before that day, less what was matched with them
        before that day (partials whose ``max_date`` is earlier); later payments
        do not count. Confirmed orders of the customer dated before the order count
        for their total less their invoices posted before that day. Draft invoices
        are not known historically: counted as 0. Orders confirmed then and
        cancelled since are not known either.

        :param order_ids: ids of confirmed sale orders (``date_order`` is their
            confirmation date)
        :param overdue_days: day thresholds N: for each, the debit items due more
            than N days before the order's day and still open on it
        :return: {order id: {"partner_id", "date", "amount" (the order's total),
            "receivable", "orders_uninvoiced", "invoices_draft", "exposure",
            "overdue_beyond": {N: amount}}}
        """
        if not order_ids:
            return {}
        overdue_days = sorted(set(overdue_days))
        self.env["account.move.line"].flush_model(
            ["account_id", "balance", "company_id", "date", "date_maturity"]
            + ["move_id", "parent_state", "partner_id", "price_total"]
        )
        self.env["account.partial.reconcile"].flush_model(
            ["amount", "debit_move_id", "max_date"]
        )
        self.env["account.move"].flush_model(["date", "move_type", "state"])
        self.env["sale.order"].flush_model(
            ["amount_total", "company_id", "currency_rate", "date_order"]
            + ["partner_invoice_id", "state"]
        )
        self.env["sale.order.line"].flush_model(["invoice_lines", "order_id"])
        self.env["res.partner"].flush_model(["commercial_partner_id"])
        overdue_columns = SQL(", ").join(
            SQL(
                "SUM(item.open) FILTER (WHERE item.date_maturity < item.as_of - %s)"
                " AS %s",
                days,
                SQL.identifier(f"beyond_{index}"),
            )
            for index, days in enumerate(overdue_days)
        )
        # Plain joins grouped by order, not a lookup per order: PostgreSQL reads
        # the receivable lines of the customers once (a hash join on the
        # partner), where a lateral sub-query per order went through the
        # (account, date) index, every line dated before the order, each time.
        rows = self.env.execute_query(
            SQL(
                """
            WITH o AS MATERIALIZED (
                SELECT so.id, so.date_order, so.date_order::date AS as_of,
                       p.commercial_partner_id AS partner_id,
                       so.amount_total / COALESCE(NULLIF(so.currency_rate, 0), 1)
                           AS amount
                  FROM sale_order so
                  JOIN res_partner p ON p.id = so.partner_invoice_id
                 WHERE so.id = ANY(%(order_ids)s)
            ),
            oc AS MATERIALIZED (
                SELECT o.id, o.date_order, o.as_of, c.id AS contact_id
                  FROM o
                  JOIN res_partner c ON c.commercial_partner_id = o.partner_id
            ),
            rec AS (
                SELECT oc.id, SUM(aml.balance) AS amount
                  FROM oc
                  JOIN account_move_line aml
                    ON aml.partner_id = oc.contact_id AND aml.date < oc.as_of
                 WHERE aml.account_id = ANY(%(accounts)s)
                   AND aml.parent_state = 'posted'
                   AND aml.company_id = ANY(%(company_ids)s)
              GROUP BY oc.id
            ),
            prev AS (
                SELECT oc.id,
                       SUM(GREATEST(so.amount_total - COALESCE(inv.amount, 0), 0)
                           / COALESCE(NULLIF(so.currency_rate, 0), 1)) AS amount
                  FROM oc
                  JOIN sale_order so
                    ON so.partner_invoice_id = oc.contact_id
                   AND so.date_order < oc.date_order
                   AND so.id != oc.id
             LEFT JOIN LATERAL (
                        SELECT SUM(aml.price_total) AS amount
                          FROM sale_order_line sol
                          JOIN sale_order_line_invoice_rel rel
                            ON rel.order_line_id = sol.id
                          JOIN account_move_line aml ON aml.id = rel.invoice_line_id
                          JOIN account_move am ON am.id = aml.move_id
                         WHERE sol.order_id = so.id
                           AND am.move_type = 'out_invoice'
                           AND am.state = 'posted'
                           AND am.date < oc.as_of) inv ON TRUE
                 WHERE so.state = 'sale'
                   AND so.company_id = ANY(%(company_ids)s)
              GROUP BY oc.id
            ),
            item AS (
                SELECT oc.id, oc.as_of, aml.date_maturity,
                       GREATEST(aml.balance - COALESCE(SUM(apr.amount), 0), 0) AS open
                  FROM oc
                  JOIN account_move_line aml
                    ON aml.partner_id = oc.contact_id
                   AND aml.date < oc.as_of
                   AND aml.date_maturity < oc.as_of - %(min_days)s
             LEFT JOIN account_partial_reconcile apr
                    ON apr.debit_move_id = aml.id AND apr.max_date < oc.as_of
                 WHERE aml.account_id = ANY(%(accounts)s)
                   AND aml.parent_state = 'posted'
                   AND aml.company_id = ANY(%(company_ids)s)
                   AND aml.balance > 0
              GROUP BY oc.id, oc.as_of, aml.id, aml.date_maturity, aml.balance
            ),
            overdue AS (
                SELECT item.id %(overdue)s
                  FROM item
              GROUP BY item.id
            )
            SELECT o.id, o.partner_id, o.as_of, o.amount,
                   COALESCE(rec.amount, 0), COALESCE(prev.amount, 0)
                   %(overdue_values)s
              FROM o
         LEFT JOIN rec ON rec.id = o.id
         LEFT JOIN prev ON prev.id = o.id
         LEFT JOIN overdue ON overdue.id = o.id
                """,
                order_ids=list(order_ids),
                overdue=SQL(", %s", overdue_columns) if overdue_days else SQL(),
                overdue_values=SQL().join(
                    SQL(", overdue.%s", SQL.identifier(f"beyond_{index}"))
                    for index in range(len(overdue_days))
                ),
                accounts=self._credit_receivable_account_ids_sql(literal=True),
                company_ids=self._credit_company_ids(),
                min_days=overdue_days[0] if overdue_days else 0,
            )
        )
        currency = self.env.company.currency_id
        result = {}
        for order_id, partner_id, date, amount, receivable, uninvoiced, *beyond in rows:
            receivable = currency.round(float(receivable))
            uninvoiced = currency.round(float(uninvoiced))
            result[order_id] = {
                "partner_id": partner_id,
                "date": date,
                "amount": currency.round(float(amount or 0)),
                "receivable": receivable,
                "orders_uninvoiced": uninvoiced,
                "invoices_draft": 0.0,
                "exposure": currency.round(receivable + uninvoiced),
                "overdue_beyond": {
                    days: currency.round(float(value or 0))
                    for days, value in zip(overdue_days, beyond, strict=True)
                },
            }
        return result
