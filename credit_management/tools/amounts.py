from odoo.tools import format_amount, get_lang


class AmountFormatter:
    """``format_amount`` for the many amounts of one currency and language a
    batch writes into its notes: the language is looked up once, and each
    distinct amount is formatted once (a grade's fixed limit, shared by every
    customer of the grade, was formatted for each of them: 127,773 calls in a
    re-rating of 100,000 customers, bench/ANALYSIS.md).

    Made for one batch: what it formatted stays until it is dropped.
    """

    __slots__ = ("_done", "currency", "env", "lang_code")

    def __init__(self, env, currency, lang_code=None):
        self.env = env
        self.currency = currency
        self.lang_code = lang_code or get_lang(env).code
        self._done = {}

    def __call__(self, amount):
        try:
            return self._done[amount]
        except KeyError:
            text = self._done[amount] = format_amount(
                self.env, amount, self.currency, lang_code=self.lang_code
            )
            return text
