import { registry } from "@web/core/registry";

// Walks for the documentation screenshots (tests/test_credit_screenshots.py, run by
// scripts/screenshots): each tour brings one screen of the demo database into the
// state the picture shows and checks it shows what the caption says; the test then
// captures the page.
const tours = registry.category("web_tour.tours");

tours.add("credit_screenshot_block_banner", {
    steps: () => [
        {
            content: "The quotation of Blue Harbor is over its limit: the red banner says why",
            trigger:
                "div[name=credit_blocked_alert] div[name=credit_check_summary]:contains(over the credit limit by)",
        },
        {
            content: "Unfold the details of the credit check",
            trigger: "div[name=credit_blocked_alert] details summary",
            run: "click",
        },
        {
            content: "The details say what the exposure is made of and what to do",
            trigger:
                "div[name=credit_blocked_alert] details[open] div[name=credit_check_message]:contains(What to do)",
        },
        {
            content: "A salesperson may ask for an approval, not approve",
            trigger:
                ".o_statusbar_buttons:has(button[name=action_credit_request_approval]):not(:has(button[name=action_credit_approve]))",
        },
    ],
});

tours.add("credit_screenshot_approval", {
    steps: () => [
        {
            content: "The credit manager opens the approval of the blocked quotation",
            trigger: ".o_statusbar_buttons button[name=action_credit_approve]",
            run: "click",
        },
        {
            content: "The dialog repeats why the order is blocked and asks for a reason",
            trigger:
                ".modal:has(.modal-title:contains(Approve Credit)) .modal-body:contains(exceeds the credit limit) div[name=reason] textarea",
        },
        {
            content: "It offers Approve",
            trigger: ".modal .modal-footer button[name=action_approve]",
        },
    ],
});

tours.add("credit_screenshot_credit_tab", {
    steps: () => [
        {
            content: "Open the Credit tab of the customer",
            trigger: ".o_notebook_headers a[name=credit_management]",
            run: "click",
        },
        {
            content: "The tab shows the policy and the exposure",
            trigger:
                ".o_notebook .tab-pane.active:has(.o_field_widget[name=credit_limit]):has(.o_field_widget[name=credit_exposure])",
        },
        {
            content: "The usage bar is drawn; show the tab",
            trigger: ".tab-pane.active .o_credit_usage .o_progressbar",
            run() {
                document.querySelector(".o_notebook").scrollIntoView({ block: "start" });
            },
        },
    ],
});

tours.add("credit_screenshot_review", {
    steps: () => [
        {
            content: "The review shows its factor lines with their contributions",
            trigger:
                ".o_form_view .o_field_widget[name=line_ids] .o_data_row:nth-child(5) td[name=contribution]",
        },
    ],
});

function setWeight(factor, weight) {
    const row = `.modal .o_data_row:has(td[name=name]:contains(${factor}))`;
    return [
        {
            content: `Edit the weight of ${factor}`,
            trigger: `${row} td[name=weight]`,
            run: "click",
        },
        {
            content: `${factor}: ${weight} %`,
            trigger: `${row}.o_selected_row td[name=weight] input`,
            run: `edit ${weight}`,
        },
    ];
}

tours.add("credit_screenshot_weights_preview", {
    steps: () => [
        {
            content: "Open the Credit menu of Sales",
            trigger: ".o_menu_sections button[data-menu-xmlid='credit_management.menu_credit_root']",
            run: "click",
        },
        {
            content: "Open Scoring Weights",
            trigger: ".dropdown-item[data-menu-xmlid='credit_management.menu_credit_scoring_wizard']",
            run: "click",
        },
        // Weigh today's overdue more, the statements and agency ratings less.
        ...setWeight("Max days overdue now", 40),
        ...setWeight("External / agency rating", 0),
        ...setWeight("Solvency", 0),
        ...setWeight("Country risk class", 3),
        {
            content: "Preview",
            trigger: ".modal .modal-footer button[name=action_preview]",
            run: "click",
        },
        {
            content: "The preview lists the customers who would move",
            trigger: ".modal .o_field_widget[name=preview_html] table tbody tr",
        },
        {
            content: "The weights sum to 100",
            trigger: ".modal .o_field_widget[name=total_weight]:contains(100)",
        },
        {
            content: "Show the preview",
            trigger: ".modal .o_field_widget[name=preview_html]",
            run() {
                this.anchor.scrollIntoView({ block: "end" });
            },
        },
    ],
});

tours.add("credit_screenshot_aging_pivot", {
    steps: () => [
        {
            content: "Open the Credit menu of Sales",
            trigger: ".o_menu_sections button[data-menu-xmlid='credit_management.menu_credit_root']",
            run: "click",
        },
        {
            content: "Open Receivables Aging",
            trigger: ".dropdown-item[data-menu-xmlid='credit_management.menu_credit_aging']",
            run: "click",
        },
        {
            content: "Open the aging as of today, by due date",
            trigger: ".modal .modal-footer button[name=action_open]",
            run: "click",
        },
        {
            content: "The pivot lists the customers who owe something",
            trigger: ".o_pivot .o_pivot_header_cell_closed:contains(Redwood Construction)",
        },
        {
            content: "and the buckets",
            trigger: ".o_pivot th:contains(Total)",
        },
    ],
});

tours.add("credit_screenshot_limit_request", {
    steps: () => [
        {
            content: "The request of Redwood waits for its approvals",
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains(Submitted)",
        },
        {
            content: "It says who must sign",
            trigger: ".o_form_view .o_field_widget[name=reason]:contains(Construction season)",
        },
    ],
});

tours.add("credit_screenshot_security", {
    steps: () => [
        {
            content: "The bank guarantee of Redwood is active",
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains(Active)",
        },
        {
            content: "with its customer, issuer and amount",
            trigger:
                ".o_form_view:has(.o_field_widget[name=partner_id] input):has(.o_field_widget[name=issuer_id] input):has(.o_field_widget[name=amount] input)",
        },
    ],
});

tours.add("credit_screenshot_portal", {
    steps: () => [
        {
            content: "The customer sees its limit and what is available",
            trigger: "div[name=credit_figures] div[name=credit_available]",
        },
        {
            content: "and its statement of account",
            trigger: "a:contains(Statement of account)",
        },
    ],
});
