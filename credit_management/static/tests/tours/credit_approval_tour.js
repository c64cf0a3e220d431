import { registry } from "@web/core/registry";

const tours = registry.category("web_tour.tours");

// A salesman opens an order over the customer's limit, tries to confirm it, reads
// why in a "Credit Check" dialog, and asks the credit manager for an approval
// from that dialog.
tours.add("credit_management_salesman_blocked", {
    steps: () => [
        {
            content: "The banner says why in one line",
            trigger:
                "div[name=credit_blocked_alert] div[name=credit_check_summary]:contains(over the credit limit by)",
        },
        {
            content: "The salesman has no Approve Credit button",
            trigger: ".o_statusbar_buttons:not(:has(button[name=action_credit_approve]))",
        },
        {
            content: "Try to confirm the order",
            trigger: ".o_statusbar_buttons button[name=action_confirm]",
            run: "click",
        },
        {
            content: "The refusal is a credit check, with the reason and what to do",
            trigger:
                ".modal:has(.modal-title:contains(Credit Check)) .modal-body:contains(cannot be confirmed):contains(exceeds the credit limit):contains(ask a credit manager)",
        },
        {
            content: "No line of zeros and no group noun in the message",
            trigger: ".modal .modal-body:not(:contains(Overdue: 0)):not(:contains(a member of))",
        },
        {
            content: "The dialog offers a higher limit too",
            trigger: ".modal .modal-footer button[name=action_credit_request_limit]",
        },
        {
            content: "Ask for an approval from the dialog",
            trigger: ".modal .modal-footer button[name=action_credit_request_approval]",
            run: "click",
        },
        {
            content: "The dialog is closed",
            trigger: "body:not(:has(.modal))",
        },
        {
            content: "The quotation now says it waits for the credit review",
            trigger: "div[name=credit_review_pending_alert]:contains(Waiting for the credit team)",
        },
        {
            content: "The order is still a quotation",
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains(Quotation)",
        },
    ],
});

// A credit manager approves the order with a reason.
tours.add("credit_management_manager_approves", {
    steps: () => [
        {
            content: "Open the Credit menu of Sales",
            trigger: ".o_menu_sections button[data-menu-xmlid='credit_management.menu_credit_root']",
            run: "click",
        },
        {
            content: "The blocked quotation is counted in its queue",
            trigger:
                ".dropdown-item[data-menu-xmlid='credit_management.menu_credit_blocked_quotations'] .o_credit_menu_count:contains(1)",
        },
        {
            content: "The request is counted in the Approval Requests menu; open it",
            trigger:
                ".dropdown-item[data-menu-xmlid='credit_management.menu_credit_approval_requests']:has(.o_credit_menu_count:contains(1))",
            run: "click",
        },
        {
            content: "The request waits in the manager's queue, with why",
            trigger:
                ".o_list_view .o_data_row:has(td[name=credit_check_reasons]:contains(over the credit limit by):not(:contains(Blocked by))) td[name=name]",
            run: "click",
        },
        {
            content: "The manager sees the blocking reason",
            trigger: "div[name=credit_blocked_alert]:contains(over the credit limit by)",
        },
        {
            content: "Open the approval",
            trigger: ".o_statusbar_buttons button[name=action_credit_approve]",
            run: "click",
        },
        {
            content: "Give the reason",
            trigger: ".modal div[name=reason] textarea",
            run: "edit Deposit of 2,000 received by bank transfer",
        },
        {
            content: "Approve",
            trigger: ".modal button[name=action_approve]",
            run: "click",
        },
        {
            content: "The order shows the approval and its reason",
            trigger: "div[name=credit_approved_alert]:contains(Deposit of 2,000 received)",
        },
    ],
});

// The salesman confirms the approved order.
tours.add("credit_management_salesman_confirms", {
    steps: () => [
        {
            content: "No blocking message any more",
            trigger: ".o_form_view:not(:has(div[name=credit_blocked_alert]))",
        },
        {
            content: "Confirm the order",
            trigger: ".o_statusbar_buttons button[name=action_confirm]",
            run: "click",
        },
        {
            content: "The order is confirmed",
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains(Sales Order)",
        },
    ],
});
