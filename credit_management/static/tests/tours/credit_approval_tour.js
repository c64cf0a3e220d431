import { registry } from "@web/core/registry";

const tours = registry.category("web_tour.tours");

// A salesman opens an order over the customer's limit and tries to confirm it.
tours.add("credit_management_salesman_blocked", {
    steps: () => [
        {
            content: "The form already says why the order is blocked",
            trigger: "div[name=credit_blocked_alert]:contains(exceeds the credit limit)",
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
            content: "The confirmation is refused with the credit message",
            trigger:
                ".modal .modal-body:contains(cannot be confirmed):contains(exceeds the credit limit):contains(Approve Credit)",
        },
        {
            content: "Close the message",
            trigger: ".modal .modal-footer button.btn-primary",
            run: "click",
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
            content: "The manager sees the blocking reason",
            trigger: "div[name=credit_blocked_alert]:contains(exceeds the credit limit)",
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
