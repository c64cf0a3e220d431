import re

from odoo.tests import TransactionCase, tagged
from odoo.tools.misc import file_path
from odoo.tools.translate import PoFileReader, TranslationModuleReader

# What a translation must keep of its source: %(name)s with its format (%(value).2f,
# %(late)+.3f), %s, %%, and {name}.
PLACEHOLDER = re.compile(r"%(?:\(\w+\))?[-+#0]*\d*(?:\.\d+)?[sdifr]|%%|\{\w*\}")
SHOWN = 30


class CreditI18nChecks:
    """Every term of a module, collected as Odoo's export collects it, has a
    translation in the module's LANG.po that keeps the placeholders of its source."""

    def _module_terms(self, module):
        reader = TranslationModuleReader(self.env.cr, modules=[module])
        return {row[4] for row in reader if row[0] == module}

    def _po_translations(self, module, lang):
        path = file_path(f"{module}/i18n/{lang}.po")
        return {row["src"]: row["value"] for row in PoFileReader(path)}

    def _assert_translated(self, module, lang):
        terms = self._module_terms(module)
        self.assertTrue(terms, f"no term found for {module}")
        translations = self._po_translations(module, lang)
        missing = sorted(term for term in terms if not translations.get(term))
        if missing:
            self.fail(
                "{count} of {total} terms of {module} have no translation in "
                "{module}/i18n/{lang}.po (export the template and merge with "
                "scripts/i18n_merge.py); the first {shown}:\n{terms}".format(
                    count=len(missing),
                    total=len(terms),
                    module=module,
                    lang=lang,
                    shown=min(SHOWN, len(missing)),
                    terms="\n".join(f"  {term!r}" for term in missing[:SHOWN]),
                ),
            )

    def _assert_placeholders_kept(self, module, lang):
        translations = self._po_translations(module, lang)
        wrong = [
            f"  {source!r}\n    -> {translation!r}"
            for source, translation in sorted(translations.items())
            if translation
            and sorted(PLACEHOLDER.findall(source))
            != sorted(PLACEHOLDER.findall(translation))
        ]
        if wrong:
            self.fail(
                "{count} translation(s) of {module}/i18n/{lang}.po lose or add "
                "placeholders (the first {shown}):\n{terms}".format(
                    count=len(wrong),
                    module=module,
                    lang=lang,
                    shown=min(SHOWN, len(wrong)),
                    terms="\n".join(wrong[:SHOWN]),
                ),
            )


@tagged("post_install", "-at_install")
class TestCreditI18n(CreditI18nChecks, TransactionCase):
    """The Chinese translation is complete: every term the addon has now
    (fields, help texts, selections, views, reports, messages in the code) is
    translated, and no translation drops a placeholder of its source."""

    def test_every_term_has_a_chinese_translation(self):
        self._assert_translated("credit_management", "zh_CN")

    def test_chinese_translations_keep_the_placeholders(self):
        self._assert_placeholders_kept("credit_management", "zh_CN")

    def test_placeholder_check_sees_formats_and_escapes(self):
        source = "%(band)s: %(percent)s %% of %(sales)s, %(value).2f, {name} %s"
        self.assertEqual(
            sorted(PLACEHOLDER.findall(source)),
            sorted(
                ["%(band)s", "%(percent)s", "%%", "%(sales)s", "%(value).2f"]
                + ["{name}", "%s"]
            ),
        )
        self.assertEqual(PLACEHOLDER.findall("100 % of sales, 'Aging %s' % o"), ["%s"])
