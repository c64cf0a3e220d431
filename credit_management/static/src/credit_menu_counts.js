import { NavBar } from "@web/webclient/navbar/navbar";
import { patch } from "@web/core/utils/patch";
import { useService } from "@web/core/utils/hooks";
import { useState } from "@odoo/owl";

// The credit work queues of the Sales menu (Blocked Quotations, Approval
// Requests) show how many quotations wait in them: the counts are asked for
// when the Credit menu opens, so they are current when the menu is read.
const CREDIT_MENU = "credit_management.menu_credit_root";

patch(NavBar.prototype, {
    setup() {
        super.setup();
        this.creditOrm = useService("orm");
        this.creditMenuCounts = useState({});
    },

    async creditLoadMenuCounts(section) {
        if (section.xmlid !== CREDIT_MENU) {
            return;
        }
        const counts = await this.creditOrm.silent.call("sale.order", "credit_menu_counts", []);
        Object.assign(this.creditMenuCounts, counts);
    },
});
