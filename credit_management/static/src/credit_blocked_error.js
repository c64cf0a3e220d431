import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { odooExceptionTitleMap, WarningDialog } from "@web/core/errors/error_dialogs";

// A confirmation refused by the credit check: a warning of its own, not an
// "Invalid Operation".
const name = "odoo.addons.credit_management.exceptions.CreditBlockedError";
odooExceptionTitleMap.set(name, _t("Credit Check"));
registry.category("error_dialogs").add(name, WarningDialog);
